#!/usr/bin/env node
// Entry of the `sohoa` command. Sized before anything touches libuv: file syncs must never wait behind image work.
process.env.UV_THREADPOOL_SIZE ??= '8'
const { main } = await import('../dist/appliance/src/cli/index.js').catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('sohoa: chưa được biên dịch, hãy chạy `npm run build` / not built yet: run `npm run build`')
    process.exit(1)
  }
  throw err
})
await main(process.argv.slice(2))
