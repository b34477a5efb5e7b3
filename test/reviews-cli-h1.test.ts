/** The review files of group 'cli-h1' (test/support/reviews.ts), one suite each in this one process. */
import { runReviewGroup } from './support/reviews.ts';

runReviewGroup('cli-h1');
