// tests/s3/server.js — s3rver (a real S3 implementation that verifies SigV4)
// for the S3 integration test, on loopback, with the test's own key pair.
//
//   node server.js DIR ACCESS_KEY SECRET LOGFILE BUCKET...
//
// Listens on two free 127.0.0.1 ports and prints {"port":N,"flakyPort":M}.
// Both serve the same store; the "flaky" one first consumes faults armed
// with GET /__fault?n=2&status=503&code=SlowDown[&match=SUBSTRING][&mode=drop],
// answering those requests itself (an S3-style XML error, or a dropped
// connection) before letting the rest through. Every request is logged as
// "PORTNAME METHOD URL STATUS". Exits when stdin closes.
'use strict'
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')

const modDir = path.join(__dirname, '..', 'node_modules', '@20minutes', 's3rver')
const S3rver = require(modDir)
const AWSAccount = require(path.join(modDir, 'lib', 'models', 'account'))

const [dir, accessKey, secret, logFile, ...buckets] = process.argv.slice(2)
if (!dir || !accessKey || !secret || !logFile || buckets.length === 0) {
  console.error('usage: node server.js DIR ACCESS_KEY SECRET LOGFILE BUCKET...')
  process.exit(2)
}

// only our key pair is valid: the built-in S3RVER/S3RVER one is revoked
AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER')
AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKey, secret)

const app = new S3rver({
  directory: dir,
  silent: true,
  vhostBuckets: false,
  allowMismatchedSignatures: false,
  configureBuckets: buckets.map((name) => ({ name })),
})
const s3 = app.callback()
const log = fs.createWriteStream(logFile, { flags: 'a' })
let fault = { n: 0 }

function logged(name, req, res) {
  res.on('finish', () => log.write(`${name} ${req.method} ${req.url} ${res.statusCode}\n`))
}

function flaky(req, res) {
  const u = new URL(req.url, 'http://127.0.0.1')
  if (u.pathname === '/__fault') {
    fault = {
      n: Math.min(Number(u.searchParams.get('n') || 0), 100),
      status: Number(u.searchParams.get('status') || 503),
      code: u.searchParams.get('code') || 'SlowDown',
      match: u.searchParams.get('match') || '',
      mode: u.searchParams.get('mode') || 'status',
    }
    res.end('armed\n')
    return
  }
  if (fault.n > 0 && req.url.includes(fault.match)) {
    fault.n--
    log.write(`flaky FAULT ${req.method} ${req.url} ${fault.mode}\n`)
    if (fault.mode === 'drop') {
      req.socket.destroy()
      return
    }
    // Like S3, answer once the request body has been read: answering an
    // 8 MiB part early and closing races the client's send (EPIPE instead
    // of the injected status, seen in CI).
    const status = fault.status
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>Injected fault, please reduce your request rate.</Message></Error>`
    req.on('end', () => {
      res.writeHead(status, { 'Content-Type': 'application/xml', Connection: 'close' })
      res.end(body)
    })
    req.resume()
    return
  }
  logged('flaky', req, res)
  s3(req, res)
}

async function main() {
  await app.configureBuckets()
  const listen = (handler) =>
    new Promise((resolve, reject) => {
      const srv = http.createServer(handler)
      srv.on('error', reject)
      srv.listen(0, '127.0.0.1', () => resolve(srv.address().port))
    })
  const port = await listen((req, res) => {
    logged('main', req, res)
    s3(req, res)
  })
  const flakyPort = await listen(flaky)
  process.stdout.write(`${JSON.stringify({ port, flakyPort })}\n`)
}

process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
main().catch((err) => {
  console.error(err)
  process.exit(1)
})
