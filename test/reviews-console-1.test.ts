/** The review files of group 'console' (test/support/reviews.ts), its process 1 of 2 (one file in two), one suite each. */
import { runReviewGroup } from './support/reviews.ts';

runReviewGroup('console', 1);
