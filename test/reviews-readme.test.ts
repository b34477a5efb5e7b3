/** The review files of group 'readme' (test/support/reviews.ts), one suite each in this one process. */
import { runReviewGroup } from './support/reviews.ts';

runReviewGroup('readme');
