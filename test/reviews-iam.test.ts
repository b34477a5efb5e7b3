/** The review files of group 'iam' (test/support/reviews.ts), one suite each in this one process. */
import { runReviewGroup } from './support/reviews.ts';

runReviewGroup('iam');
