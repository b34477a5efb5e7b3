/** The review files of group 'console' (test/support/reviews.ts), its process 2 of 2 (one file in two), one suite each, sharing its Chromiums. */
import { after } from 'node:test';
import { closeHeldChromiums, holdChromiums } from './support/console.ts';
import { runReviewGroup } from './support/reviews.ts';

holdChromiums();
runReviewGroup('console', 2);
after(closeHeldChromiums);
