// Render every $...$ and $$...$$ of a file with KaTeX (throwOnError), report errors.
// Usage: node tests/katex_render.js <katex package dir> <file>; exit 1 if any fails.
const fs = require("fs");
const katex = require(process.argv[2]);
const text = fs.readFileSync(process.argv[3], "utf8");
const pattern = /\$\$([\s\S]+?)\$\$|\$([^$\n]+?)\$/g;
let failures = 0, count = 0, match;
while ((match = pattern.exec(text)) !== null) {
  const display = match[1] !== undefined;
  const math = display ? match[1] : match[2];
  count += 1;
  try {
    katex.renderToString(math, { displayMode: display, throwOnError: true });
  } catch (error) {
    failures += 1;
    console.log(`KaTeX error: ${String(error.message).slice(0, 200)}`);
  }
}
console.log(`${count} formulas, ${failures} errors`);
process.exit(failures ? 1 : 0);
