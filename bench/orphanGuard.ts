/*
 * Preloaded (`node -r`) into each service the bench forks: the service exits when the bench's IPC
 * channel closes (the bench died or was killed), and after a hard limit whatever happens, so no
 * bench leaves processes behind. The channel itself does not keep the service alive.
 */
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
process.channel?.unref();
setTimeout(() => process.exit(3), 25 * 60_000).unref();
