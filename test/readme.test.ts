import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commands } from '../sync/cli/commands.ts';
import { ENV_VARIABLES } from '../sync/platform/config/env.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('given the environment schema, then the README documents every variable', () => {
    for (const name of Object.keys(ENV_VARIABLES)) expect(readme, name).toContain(`| \`${name}\``);
  });

  it('given the CLI, then the README documents every command with an example', () => {
    for (const command of commands)
      expect(readme, command.name).toMatch(new RegExp(`npx partnerloop ${command.name}\\b`));
  });

  it('given the contract, then both set-up commands are shown', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
