/**
 * Port and Ocean rewrite single quotes that open or close a string into double quotes before compiling a
 * mapping expression (port-api.md §6.5, Ocean #2463; Port's jq-node-bindings does the same), so that a YAML
 * author may write `'service'` for the jq literal `"service"`. We apply the same rewrite so that a mapping
 * behaves here as it does in Port, quirks included: like Port, it also rewrites a quote after a space inside
 * a jq string (`"a 'b' c"`).
 */
const PORT_SINGLE_QUOTE = /(^|\s)'(?!\s|")|(?<!\s|")'(\s|$)/g;

/**
 * @param source a mapping leaf as written in the file
 * @returns the jq program Port would compile for it
 */
export function toPortJq(source: string): string {
  return source.replace(
    PORT_SINGLE_QUOTE,
    (_match, before: string | undefined, after: string | undefined) => `${before ?? ""}"${after ?? ""}`,
  );
}
