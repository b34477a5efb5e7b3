/** The review files of group 'instances' (test/support/reviews.ts), its process 3 of 3 (one file in three), one suite each. */
import { runReviewGroup } from './support/reviews.ts';

runReviewGroup('instances', 3);
