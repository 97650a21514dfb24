/**
 * `npm run token:rotate [-- --data-dir DIR]`: a new token-signing key in DATA_DIR/token-keys; the
 * previous key keeps verifying the tokens it signed. Restart the server to sign with the new key.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { keyFileOf, rotateTokenKeys } from '../store/token-keys.ts';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string', default: process.env.DATA_DIR ?? './var' } } });
const dataDir = resolve(values['data-dir']!);
rotateTokenKeys(dataDir);
console.log(`a new token-signing key is first in ${keyFileOf(dataDir)}; restart the server to use it`);
