/** The review files of group 'console' (test/support/reviews.ts), one suite each in this one process, sharing its Chromiums. */
import { after } from 'node:test';
import { closeHeldChromiums, holdChromiums } from './support/console.ts';
import { runReviewGroup } from './support/reviews.ts';

holdChromiums();
runReviewGroup('console');
after(closeHeldChromiums);
