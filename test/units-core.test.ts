/** The unit files of group 'core' (test/support/units.ts), one suite each in this one process. */
import { runUnitGroup } from './support/units.ts';

runUnitGroup('core');
