/** The review files of group 'jobs-bindings-apply' (test/support/reviews.ts), one suite each in this one process. */
import { runReviewGroup } from './support/reviews.ts';

runReviewGroup('jobs-bindings-apply');
