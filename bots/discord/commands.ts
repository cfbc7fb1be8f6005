/**
 * The slash commands, defined once: the registration script sends exactly this list, and the
 * interaction handler dispatches on these names.
 */
import { ASPECT_RATIOS } from '../../core/providers/provider.ts';

const CHAT_INPUT = 1;
const STRING = 3;
const INTEGER = 4;
const ATTACHMENT = 11;
// Guilds and DMs with the bot; installed to guilds (the bot needs a channel for the fallback).
const CONTEXTS = [0, 1];
const GUILD_INSTALL = [0];

export const COMMAND_NAMES = { video: 'video', quota: 'quota', status: 'status', cancel: 'cancel' };

function zh(text: string) {
  return { 'zh-CN': text, 'zh-TW': text };
}

/** The body of PUT /applications/{id}/commands (and its guild variant). */
export const COMMANDS = [
  {
    name: COMMAND_NAMES.video,
    type: CHAT_INPUT,
    description: 'Make a short video from a prompt and, optionally, an image',
    description_localizations: zh('根据提示词（可选图片）生成短视频'),
    contexts: CONTEXTS,
    integration_types: GUILD_INSTALL,
    options: [
      {
        type: STRING,
        name: 'prompt',
        description: 'What should happen in the video',
        description_localizations: zh('视频里应该发生什么'),
        required: true,
        max_length: 2000,
      },
      {
        type: ATTACHMENT,
        name: 'image',
        description: 'A JPEG, PNG or WebP photo to bring to life',
        description_localizations: zh('要动起来的 JPEG、PNG 或 WebP 照片'),
        required: false,
      },
      {
        type: ATTACHMENT,
        name: 'last_frame',
        description: 'A second photo the video ends on (with image; not every provider)',
        description_localizations: zh(
          '视频结束时的第二张照片（需同时提供 image；并非所有服务商支持）',
        ),
        required: false,
      },
      {
        type: INTEGER,
        name: 'duration',
        description: 'Length in seconds',
        description_localizations: zh('时长（秒）'),
        required: false,
        min_value: 1,
        max_value: 60,
      },
      {
        type: STRING,
        name: 'ratio',
        description: 'Aspect ratio',
        description_localizations: zh('画面比例'),
        required: false,
        choices: ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio })),
      },
      {
        type: STRING,
        name: 'provider',
        description: 'Video service to use (default: this bot’s own choice)',
        description_localizations: zh('使用的视频服务（默认由机器人选择）'),
        required: false,
        max_length: 64,
      },
    ],
  },
  {
    name: COMMAND_NAMES.quota,
    type: CHAT_INPUT,
    description: 'How many videos you can still make',
    description_localizations: zh('查看剩余视频额度'),
    contexts: CONTEXTS,
    integration_types: GUILD_INSTALL,
  },
  {
    name: COMMAND_NAMES.status,
    type: CHAT_INPUT,
    description: 'Your latest videos and where they are',
    description_localizations: zh('查看最近视频的状态'),
    contexts: CONTEXTS,
    integration_types: GUILD_INSTALL,
  },
  {
    name: COMMAND_NAMES.cancel,
    type: CHAT_INPUT,
    description: 'Cancel your video in progress',
    description_localizations: zh('取消正在生成的视频'),
    contexts: CONTEXTS,
    integration_types: GUILD_INSTALL,
  },
] as const;
