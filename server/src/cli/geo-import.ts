/** Entry point of `npm run geo:import -- FILE`; see geo-file.ts. */
import { processIO, runGeoCommand } from './geo-file.ts';

process.exitCode = runGeoCommand('import', process.argv.slice(2), processIO);
