/**
 * Settings from the environment. A variable set to nothing (`AGOR_DB_URL= agor …`, an empty line
 * of an env file) counts as unset: taken as a value, an empty AGOR_DB_URL would name the current
 * folder and an empty AGOR_HOST every interface.
 */
export function setting(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name]
  return value === undefined || value.trim() === '' ? undefined : value
}
