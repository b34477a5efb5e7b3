/** The review files of group 'audit' (test/support/reviews.ts), its process 1 of 3 (one file in three), one suite each. */
import { runReviewGroup } from './support/reviews.ts';

runReviewGroup('audit', 1);
