#!/usr/bin/env node
'use strict';
// The `mnv4` command. Runs the compiled CLI; build it with `bash scripts/setup.sh`.
const path = require('path');
const fs = require('fs');
const main = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  console.error(`mnv4: ${main} is missing. Run \`bash scripts/setup.sh\` in ${path.dirname(__dirname)} first.`);
  process.exit(2);
}
require(main).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`mnv4: ${err && err.message ? err.message : err}`); process.exitCode = 1; },
);
