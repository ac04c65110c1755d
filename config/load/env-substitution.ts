/**
 * `${env:NAME}` references in config strings, so secrets (broker passwords, user names) stay out of
 * the file and come from the service's environment (systemd `EnvironmentFile=`).
 *
 * - `${env:NAME}` is replaced by the variable's value; NAME is letters, digits and "_", not starting
 *   with a digit. The value is used as it is: it is not searched for further references.
 * - `$${` is a literal `${`.
 * - Any other `${` is an error rather than literal text: a mistyped reference (`${ENV:X}`,
 *   `${env:X`) must not end up as the broker password.
 * - An unset variable is an error; a variable set to the empty string is used as "".
 */

export type EnvExpansion =
  | { ok: true; value: string; /** true when at least one reference was replaced */ substituted: boolean }
  | { ok: false; problems: string[] };

const REFERENCE_BODY = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

export function expandEnvReferences(text: string, env: NodeJS.ProcessEnv): EnvExpansion {
  if (!text.includes('${')) return { ok: true, value: text, substituted: false };

  const problems: string[] = [];
  let value = '';
  let substituted = false;
  let index = 0;
  while (index < text.length) {
    if (text.startsWith('$${', index)) {
      value += '${';
      index += 3;
      continue;
    }
    if (!text.startsWith('${', index)) {
      value += text.charAt(index);
      index += 1;
      continue;
    }
    const close = text.indexOf('}', index + 2);
    const end = close === -1 ? text.length : close + 1;
    const name = close === -1 ? undefined : REFERENCE_BODY.exec(text.slice(index + 2, close))?.[1];
    if (name === undefined) {
      problems.push(
        `${JSON.stringify(text.slice(index, end))} is not a valid reference: write \${env:NAME} to read an environment variable, or $\${ for a literal "\${"`,
      );
    } else if (env[name] === undefined) {
      problems.push(`environment variable "${name}" is not set`);
    } else {
      value += env[name];
      substituted = true;
    }
    index = end;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value, substituted };
}
