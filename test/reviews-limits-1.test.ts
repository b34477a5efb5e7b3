/** The review files of group 'limits' (test/support/reviews.ts), its process 1 of 3 (one file in three), one suite each. */
import { runReviewGroup } from './support/reviews.ts';

runReviewGroup('limits', 1);
