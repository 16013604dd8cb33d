// jose (used by jwks-rsa, under the Teams SDK's token checks) ships ES modules only. Jest's CommonJS
// loader cannot load them; Node 20.19+ can (require(esm)). So tests load the package's main file
// with Node's own loader (jest's createRequire would come back here through moduleNameMapper).
const Module = require('node:module');
const { dirname, join } = require('node:path');
const pkgPath = require.resolve('jose/package.json');
module.exports = Module._load(join(dirname(pkgPath), require(pkgPath).main), null);
