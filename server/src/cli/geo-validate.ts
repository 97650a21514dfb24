/** Entry point of `npm run geo:validate -- FILE`; see geo-file.ts. */
import { processIO, runGeoCommand } from './geo-file.ts';

process.exitCode = runGeoCommand('validate', process.argv.slice(2), processIO);
