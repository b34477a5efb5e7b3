/** The review files of group 'jobs-bindings-apply' (test/support/reviews.ts), its process 1 of 3 (one file in three), one suite each. */
import { runReviewGroup } from './support/reviews.ts';

runReviewGroup('jobs-bindings-apply', 1);
