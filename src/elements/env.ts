/**
 * element-info --env output: the same eval-able bash as DIB's _output_env_vars, so wrapper
 * scripts keep working (IMAGE_ELEMENT, IMAGE_ELEMENT_YAML, get_image_element_array).
 */
import type { Element } from './element.js';

export function formatElementNames(elements: Element[]): string {
  return elements.map((e) => e.name).join(' ');
}

/** PyYAML safe_dump of {name: path}: keys sorted, one `key: value` per line. */
export function formatElementYaml(elements: Element[]): string {
  return [...elements]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => `${yamlScalar(e.name)}: ${yamlScalar(e.path)}\n`)
    .join('');
}

/**
 * The body of get_image_element_array's `echo "..."`. Callers run
 * `eval declare -A image_elements=($(get_image_element_array))`: the echoed text is word-split and
 * re-parsed by eval, so a path is backslash-escaped as a shell word (a path with spaces stays one
 * value), then escaped again for the double quotes it is echoed from. Plain paths print as DIB's.
 */
export function formatElementArray(elements: Element[]): string {
  return elements.map((e) => `[${e.name}]=${shellWord(e.path)} `.replace(/[\\$`"]/g, '\\$&')).join('');
}

export function formatElementEnv(elements: Element[]): string {
  return [
    `export IMAGE_ELEMENT=${singleQuoted(formatElementNames(elements))}`,
    `export IMAGE_ELEMENT_YAML=${singleQuoted(formatElementYaml(elements))}`,
    'function get_image_element_array {',
    `  echo "${formatElementArray(elements)}"`,
    '};',
    'export -f get_image_element_array;',
  ].join('\n');
}

function shellWord(s: string): string {
  return s.replace(/[^A-Za-z0-9_./+:=@%,-]/g, '\\$&');
}

/** '...' as DIB prints it; a ' inside (a YAML-quoted path) closes, escapes and reopens. */
function singleQuoted(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

function yamlScalar(s: string): string {
  return /^[A-Za-z0-9_./][A-Za-z0-9_./-]*$/.test(s) && !/^(true|false|yes|no|on|off|null|~|\d+)$/i.test(s) ? s : `'${s.replace(/'/g, "''")}'`;
}
