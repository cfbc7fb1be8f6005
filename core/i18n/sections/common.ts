/**
 * Messages every chat frontend shows: task states, failure reasons and quotas. Placeholders are
 * `{name}`; each frontend adds its own section beside this one.
 */
export const common = {
  en: {
    'task.queued': 'Queued. Position in line: {position}.',
    'task.queued_next': 'Queued. You are next.',
    'task.generating': 'Generating your video… {progress}%',
    'task.generating_started': 'Generating your video…',
    'task.delivering': 'Uploading your video…',
    'task.done': 'Done! Here is your video.',
    'task.done_link':
      'Done! Your video is too large to send here; download it (link valid {hours} h): {url}',
    'task.failed': 'Sorry, the video could not be made: {reason}',
    'task.canceled': 'Canceled.',
    'reason.quota_exceeded': 'you have used your quota.',
    'reason.safety_rejected': 'the provider declined this prompt or image for safety reasons.',
    'reason.provider_unavailable':
      'the video service is unavailable right now. Please try again later.',
    'reason.provider_rejected': 'the video service refused this request.',
    'reason.invalid_image': 'the image could not be read. Send a JPEG, PNG or WebP photo.',
    'reason.deadline_exceeded': 'it took too long and was stopped.',
    'reason.unknown': 'something went wrong on our side.',
    'quota.summary': 'Today: {dailyUsed}/{dailyLimit}. This month: {monthlyUsed}/{monthlyLimit}.',
    'quota.unlimited': 'unlimited',
    'quota.exceeded_daily': 'You have used your {limit} videos for today. More at {reset}.',
    'quota.exceeded_monthly': 'You have used your {limit} videos for this month. More on {reset}.',
    'quota.exceeded_concurrent':
      'You already have {limit} video(s) in progress. Wait for one to finish.',
    'user.banned': 'You are not allowed to use this bot.',
  },
  zh: {
    'task.queued': '已排队，前面还有 {position} 个。',
    'task.queued_next': '已排队，下一个就是你。',
    'task.generating': '正在生成视频… {progress}%',
    'task.generating_started': '正在生成视频…',
    'task.delivering': '正在上传视频…',
    'task.done': '完成！这是你的视频。',
    'task.done_link': '完成！视频太大无法直接发送，请下载（链接 {hours} 小时内有效）：{url}',
    'task.failed': '抱歉，视频生成失败：{reason}',
    'task.canceled': '已取消。',
    'reason.quota_exceeded': '你的额度已用完。',
    'reason.safety_rejected': '服务商出于安全原因拒绝了该提示词或图片。',
    'reason.provider_unavailable': '视频服务暂时不可用，请稍后再试。',
    'reason.provider_rejected': '视频服务拒绝了这个请求。',
    'reason.invalid_image': '无法读取该图片，请发送 JPEG、PNG 或 WebP 格式的照片。',
    'reason.deadline_exceeded': '生成时间过长，已停止。',
    'reason.unknown': '我们这边出了点问题。',
    'quota.summary': '今天：{dailyUsed}/{dailyLimit}。本月：{monthlyUsed}/{monthlyLimit}。',
    'quota.unlimited': '不限',
    'quota.exceeded_daily': '你今天的 {limit} 个视频额度已用完，{reset} 后恢复。',
    'quota.exceeded_monthly': '你本月的 {limit} 个视频额度已用完，{reset} 恢复。',
    'quota.exceeded_concurrent': '你已有 {limit} 个视频正在生成，请等其中一个完成。',
    'user.banned': '你已被禁止使用本机器人。',
  },
} as const;
