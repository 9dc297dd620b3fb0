/**
 * decNumber's to-scientific-string of a decimal literal (what jq 1.7.1 prints for a number it has not computed).
 * @returns e.g. `1E+2` for `1e2`, `1.50` for `1.50`, `0.000001` for `1e-6`, `1E-7` for `1e-7`
 */
export function canonicalDecimal(text: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) throw new Error(`not a number literal: ${text}`);
  const sign = m[1] ?? "";
  const intPart = m[2] ?? "";
  const fracPart = m[3] ?? "";
  let exponent = Number(m[4] ?? "0") - fracPart.length;
  let digits = (intPart + fracPart).replace(/^0+/, "");
  if (digits === "") {
    // Zero keeps its exponent in decNumber (`0.00` → `0.00`).
    digits = "0";
  }
  const adjusted = exponent + digits.length - 1;
  if (exponent <= 0 && adjusted >= -6) {
    if (exponent === 0) return sign + digits;
    const point = digits.length + exponent;
    if (point > 0) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
    return `${sign}0.${"0".repeat(-point)}${digits}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  exponent = adjusted;
  return `${sign}${mantissa}E${exponent >= 0 ? "+" : "-"}${Math.abs(exponent)}`;
}
