/**
 * Messages of the Telegram bot (bots/telegram and core/delivery/telegram). Placeholders are
 * `{name}`; task states and failure reasons come from the common section.
 */
export const telegram = {
  en: {
    'tg.start':
      'Send me a photo with a caption describing the motion, and I will turn it into a short ' +
      'video. A text alone makes a video from the text.\n\n{quota}',
    'tg.help':
      'How to use me:\n' +
      '• a photo (or an image file: JPEG, PNG, WebP) with a caption: image to video\n' +
      '• a photo, then a reply to it with the prompt\n' +
      '• an album: the video starts on its first photo and ends on its last\n' +
      '• a text alone: text to video\n\n' +
      '/status your recent videos\n/quota what you have left\n/cancel stop the running video\n' +
      '/settings default duration, aspect ratio and provider\n/lang language\n\n' +
      'In groups, mention me or reply to me.',
    'tg.received': 'Got it. Preparing…',
    'tg.need_prompt': 'Nice image! Now reply to it with a sentence describing the motion.',
    'tg.need_prompt_album':
      'Nice album! The video will start on its first photo and end on its last. Now reply ' +
      'with a sentence describing the motion.',
    'tg.first_photo_only':
      '{provider} takes one image, so the video starts from the first photo of the album.',
    'tg.new_prompt_ask': 'Send me the new prompt for this image.',
    'tg.unsupported':
      'I can only use photos, images (JPEG, PNG or WebP files up to {limit} MB) and text. ' +
      'Send a photo with a caption, or a text alone.',
    'tg.file_too_large': 'This file is {size} MB; I can take images up to {limit} MB.',
    'tg.create_failed': 'Sorry, I could not start this video: {reason}',
    'tg.reason.invalid_prompt': 'the prompt is empty or longer than {limit} characters.',
    'tg.reason.image': 'the image could not be read. Send a JPEG, PNG or WebP photo.',
    'tg.reason.image_too_large': 'the image is too large.',
    'tg.reason.unsupported': 'the chosen provider cannot make this kind of video.',
    'tg.reason.download_failed': 'I could not download the image from Telegram. Try again.',
    'tg.internal_error': 'Something went wrong on our side. Please try again in a minute.',
    'tg.status_none': 'You have no videos yet.',
    'tg.status_header': 'Your recent videos:',
    'tg.status_line': '{state} · {prompt}',
    'tg.state.pending': '⏳ queued',
    'tg.state.processing': '🎬 generating {progress}%',
    'tg.state.completed': '✅ done',
    'tg.state.failed': '❌ failed',
    'tg.state.canceled': '⏹ canceled',
    'tg.cancel_done': 'Canceled your video "{prompt}".',
    'tg.cancel_none': 'You have no video in progress.',
    'tg.settings':
      'Your defaults:\nDuration: {duration} s\nAspect ratio: {ratio}\nProvider: {provider}\n\n' +
      'Tap to change.',
    'tg.settings_saved': 'Saved.',
    'tg.lang_choose': 'Choose your language:',
    'tg.lang_set': 'Language set to English.',
    'tg.again_missing': 'That video can no longer be run again.',
    'tg.button.again': '🔁 Again',
    'tg.button.new_prompt': '✏️ New prompt',
    'tg.button.open': '⬇️ Download',
    'tg.quota_concurrent': 'Running now: {used}/{limit}.',
  },
  zh: {
    'tg.start':
      '发给我一张照片，并用文字说明想要的动态效果，' +
      '我会把它变成一段短视频。' +
      '只发文字则根据文字生成视频。\n\n{quota}',
    'tg.help':
      '使用方法：\n' +
      '• 照片（或 JPEG、PNG、WebP 图片文件）加说明文字：图片生成视频\n' +
      '• 先发照片，再回复这张照片写下提示词\n' +
      '• 相册：视频从第一张照片开始，到最后一张照片结束\n' +
      '• 只发文字：文字生成视频\n\n' +
      '/status 最近的视频\n/quota 剩余额度\n/cancel 停止正在生成的视频\n' +
      '/settings 默认时长、画面比例和服务商\n/lang 语言\n\n' +
      '在群组中，请 @ 我或回复我的消息。',
    'tg.received': '收到，正在准备…',
    'tg.need_prompt': '图片收到！请回复这张图片，用一句话描述想要的动态效果。',
    'tg.need_prompt_album':
      '相册收到！视频将从第一张照片开始，到最后一张照片结束。请回复一句话描述想要的动态效果。',
    'tg.first_photo_only': '{provider} 只接受一张图片，视频将从相册的第一张照片开始。',
    'tg.new_prompt_ask': '请发送这张图片的新提示词。',
    'tg.unsupported':
      '我只能处理照片、图片（JPEG、PNG 或 WebP 文件，最大 {limit} MB）和文字。' +
      '请发送带说明文字的照片，或只发文字。',
    'tg.file_too_large': '这个文件有 {size} MB，图片最大只能 {limit} MB。',
    'tg.create_failed': '抱歉，无法开始生成这个视频：{reason}',
    'tg.reason.invalid_prompt': '提示词为空或超过 {limit} 个字符。',
    'tg.reason.image': '无法读取该图片，请发送 JPEG、PNG 或 WebP 格式的照片。',
    'tg.reason.image_too_large': '图片太大。',
    'tg.reason.unsupported': '所选服务商无法生成这类视频。',
    'tg.reason.download_failed': '无法从 Telegram 下载图片，请重试。',
    'tg.internal_error': '我们这边出了点问题，请一分钟后再试。',
    'tg.status_none': '你还没有视频。',
    'tg.status_header': '你最近的视频：',
    'tg.status_line': '{state} · {prompt}',
    'tg.state.pending': '⏳ 排队中',
    'tg.state.processing': '🎬 生成中 {progress}%',
    'tg.state.completed': '✅ 完成',
    'tg.state.failed': '❌ 失败',
    'tg.state.canceled': '⏹ 已取消',
    'tg.cancel_done': '已取消视频“{prompt}”。',
    'tg.cancel_none': '你没有正在生成的视频。',
    'tg.settings':
      '你的默认设置：\n时长：{duration} 秒\n画面比例：{ratio}\n服务商：{provider}\n\n点击修改。',
    'tg.settings_saved': '已保存。',
    'tg.lang_choose': '请选择语言：',
    'tg.lang_set': '语言已设为中文。',
    'tg.again_missing': '这个视频已无法再次生成。',
    'tg.button.again': '🔁 再来一次',
    'tg.button.new_prompt': '✏️ 新提示词',
    'tg.button.open': '⬇️ 下载',
    'tg.quota_concurrent': '正在生成：{used}/{limit}。',
  },
} as const;
