// npm run build's second step, after tsc: the `agor` command's bundle (see bundleCli).
import { bundleCli } from './built-cli.js'

await bundleCli()
