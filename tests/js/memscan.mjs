// Finding bytes in a snapshot of wasm memory (the residue tests): how often a
// needle occurs, and where (for failure messages).
const enc = new TextEncoder();

/** Offsets of up to `max` occurrences of `needle` (a string or bytes) in `mem`. */
export function offsets(mem, needle, max = Infinity) {
  const n = typeof needle === 'string' ? enc.encode(needle) : needle;
  const at = [];
  for (let i = mem.indexOf(n[0]); i !== -1 && i <= mem.length - n.length && at.length < max; i = mem.indexOf(n[0], i + 1)) {
    let j = 1;
    while (j < n.length && mem[i + j] === n[j]) j++;
    if (j === n.length) at.push(i);
  }
  return at;
}

/** How many times `needle` occurs in `mem`. */
export const count = (mem, needle) => offsets(mem, needle).length;

/** The first 8 offsets, in hex, for a failure message. */
export const where = (mem, needle) => offsets(mem, needle, 8).map((i) => `0x${i.toString(16)}`).join(', ');
