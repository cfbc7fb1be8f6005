import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startFakeDiscord,
  type FakeDiscord,
  type RecordedCall,
} from '../../tests/fakes/discord-api.ts';
import { COMMANDS } from './commands.ts';
import { registerCommands } from './register.ts';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(() => fake.close());

async function calls(): Promise<RecordedCall[]> {
  return (await (await fetch(`${fake.url}/__control/calls?app=777`)).json()) as RecordedCall[];
}

describe('command definitions', () => {
  it('follow Discord’s limits: names, descriptions, required options first', () => {
    for (const command of COMMANDS) {
      expect(command.name).toMatch(/^[-_a-z0-9]{1,32}$/);
      expect(command.description.length).toBeLessThanOrEqual(100);
      const options: readonly { required: boolean; name: string; description: string }[] =
        'options' in command ? command.options : [];
      const firstOptional = options.findIndex((option) => !option.required);
      const lastRequired = options.map((option) => option.required).lastIndexOf(true);
      expect(firstOptional === -1 || lastRequired < firstOptional).toBe(true);
      for (const option of options) {
        expect(option.name).toMatch(/^[-_a-z0-9]{1,32}$/);
        expect(option.description.length).toBeLessThanOrEqual(100);
      }
    }
    const video = COMMANDS.find((command) => command.name === 'video');
    const names = video && 'options' in video ? video.options.map((option) => option.name) : [];
    expect(names).toEqual(['prompt', 'image', 'last_frame', 'duration', 'ratio', 'provider']);
  });
});

describe('registerCommands', () => {
  it('overwrites the global commands with the one definition, as the bot', async () => {
    const outcome = await registerCommands({
      apiBase: fake.apiBase,
      applicationId: '777',
      botToken: 'secret-bot-token',
    });
    expect(outcome).toEqual({
      ok: true,
      scope: 'global',
      names: ['video', 'quota', 'status', 'cancel'],
    });
    const [call] = await calls();
    expect(call).toMatchObject({
      route: 'commands',
      method: 'PUT',
      authorization: 'Bot secret-bot-token',
    });
    expect(call?.guildId).toBeUndefined();
    expect(call?.payload).toEqual(JSON.parse(JSON.stringify(COMMANDS)));
  });

  it('registers for one guild when asked, and reports a refusal without the token', async () => {
    const outcome = await registerCommands({
      apiBase: fake.apiBase,
      applicationId: '777',
      botToken: 'secret-bot-token',
      guildId: '555',
    });
    expect(outcome).toMatchObject({ ok: true, scope: 'guild' });
    expect((await calls()).at(-1)?.guildId).toBe('555');

    const refused = await registerCommands({
      apiBase: `${fake.url}/nowhere`,
      applicationId: '777',
      botToken: 'secret-bot-token',
    });
    expect(refused).toEqual({ ok: false, message: 'Discord answered 404' });
  });
});
