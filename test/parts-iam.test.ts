/** The part files of group 'iam' (test/support/parts.ts), one suite each in this one process. */
import { runPartGroup } from './support/parts.ts';

runPartGroup('iam');
