// Runs a WASI preview1 command under Node's `node:wasi`, for the
// comparison: `node node-wasi.mjs MODULE [ARGS]...`. The working directory
// is preopened as `.`, stdio is inherited.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [module, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [module, ...args], env: {}, preopens: { '.': '.' }, returnOnExit: true });
const wasm = await WebAssembly.compile(await readFile(module));
const instance = await WebAssembly.instantiate(wasm, wasi.getImportObject());
process.exitCode = wasi.start(instance);
