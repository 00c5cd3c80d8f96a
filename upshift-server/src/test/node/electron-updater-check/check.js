#!/usr/bin/env node
// Checks an Upshift electron feed with the real electron-updater code, without Electron.
//
//   node check.js <feed URL> <access key> [--current-version V] [--platform win32|darwin|linux] [--arch A]
//                 [--channel C] [--staging-id UUID]
//
// <feed URL> is what an app passes to autoUpdater.setFeedURL({provider: "generic", url}), e.g.
// http://127.0.0.1:8080/v1/electron/upgrade?electronKey=K&versionName=1.0.0&platform=win32&arch=x64
// The running version, platform and arch default to the feed URL's versionName, platform and arch parameters.
//
// What runs is electron-updater's own code: an AppUpdater (the base class of NsisUpdater, MacUpdater and the
// Linux updaters) built with a stand-in for the Electron app and a Node http executor in place of the
// Electron-bound ElectronHttpExecutor. setFeedURL() builds the GenericProvider through providerFactory.createClient,
// checkForUpdates() sets the provider's request headers (X-AccessKey from requestHeaders plus the
// x-user-staging-id the library generates), asks the provider for the channel file the library picks for the
// platform (latest.yml, latest-mac.yml, latest-linux[-arch].yml), parses it (provider.getLatestVersion(), js-yaml)
// and decides with AppUpdater.isUpdateAvailable. When there is an update, provider.resolveFiles() resolves the
// file URLs (copying the feed URL's query onto them, as the library does); each file is then downloaded twice:
// with the library's own download path (HttpExecutor.doDownload and its SHA-512 DigestTransform), and with plain
// Node http, checking the base64 SHA-512 against the one electron-updater resolved.
//
// Prints one JSON object on stdout (logs go to stderr) and exits 0 when every step worked, whether or not an
// update was offered; 1 on any failure (the JSON then has ok: false and the error); 2 on a usage error.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const https = require("https");
const os = require("os");
const path = require("path");
const { CancellationToken, HttpExecutor, configureRequestOptions, configureRequestUrl } = require("builder-util-runtime");
const { AppUpdater } = require("electron-updater/out/AppUpdater");
const { GenericProvider } = require("electron-updater/out/providers/GenericProvider");
const { findFile } = require("electron-updater/out/providers/Provider");
const { getChannelFilename } = require("electron-updater/out/util");

const ELECTRON_UPDATER_VERSION = require("electron-updater/package.json").version;
const OVERALL_TIMEOUT_MS = 90 * 1000;
/** The installer each platform's updater looks for (NsisUpdater: exe, MacUpdater: zip, AppImageUpdater: AppImage). */
const INSTALLER_EXTENSION = { win32: "exe", darwin: "zip", linux: "AppImage" };

const log = (...args) => console.error("[electron-updater-check]", ...args);

/** builder-util-runtime's HttpExecutor over Node's http/https, recording every request it sends. */
class NodeHttpExecutor extends HttpExecutor {
  constructor() {
    super();
    this.requests = [];
  }

  createRequest(options, callback) {
    const port = options.port ? `:${options.port}` : "";
    this.requests.push({
      method: (options.method || "GET").toUpperCase(),
      url: `${options.protocol}//${options.hostname}${port}${options.path}`,
      headers: { ...options.headers },
    });
    return (options.protocol === "https:" ? https : http).request(options, callback);
  }

  // ElectronHttpExecutor.download (electron-updater/out/electronHttpExecutor.js) minus Electron's net session:
  // the path AppUpdater.executeDownload takes, verifying options.sha512 with builder-util-runtime's DigestTransform.
  async download(url, destination, options) {
    return await options.cancellationToken.createPromise((resolve, reject, onCancel) => {
      const requestOptions = { headers: options.headers || undefined, redirect: "manual" };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(requestOptions, {
        destination,
        options,
        onCancel,
        callback: error => (error == null ? resolve(destination) : reject(error)),
        responseHandler: null,
      }, 0);
    });
  }
}

/** The part of Electron's app that AppUpdater reads (electron-updater/out/AppAdapter.d.ts). */
class StandInApp {
  constructor(version, dir) {
    this._version = version;
    this._dir = dir;
  }

  get version() {
    return this._version;
  }

  get name() {
    return "electron-updater-check";
  }

  get isPackaged() {
    return true;
  }

  get appUpdateConfigPath() {
    return path.join(this._dir, "app-update.yml");
  }

  get userDataPath() {
    return this._dir;
  }

  get baseCachePath() {
    return this._dir;
  }

  whenReady() {
    return Promise.resolve();
  }

  relaunch() {}

  quit() {}

  onQuit() {}
}

function usage(message) {
  console.error(`${message}\nusage: node check.js <feed URL> <access key> [--current-version V] [--platform win32|darwin|linux]`
    + " [--arch x64|arm64|ia32] [--channel C] [--staging-id UUID]");
  process.exit(2);
}

function parseArgs(argv) {
  const positional = [];
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const name = a.slice(2);
      if (!["current-version", "platform", "arch", "channel", "staging-id"].includes(name)) {
        usage(`unknown option ${a}`);
      }
      if (i + 1 >= argv.length) {
        usage(`${a} needs a value`);
      }
      options[name] = argv[++i];
    } else {
      positional.push(a);
    }
  }
  if (positional.length !== 2) {
    usage("expected exactly two arguments");
  }
  let feed;
  try {
    feed = new URL(positional[0]);
  } catch (e) {
    usage(`not a URL: ${positional[0]}`);
  }
  const q = feed.searchParams;
  const args = {
    feedUrl: positional[0],
    accessKey: positional[1],
    currentVersion: options["current-version"] || q.get("versionName"),
    platform: options.platform || q.get("platform"),
    arch: options.arch || q.get("arch") || process.arch,
    channel: options.channel || null,
    stagingId: options["staging-id"] || null,
  };
  if (!args.currentVersion) {
    usage("no running version: give --current-version or a versionName parameter in the feed URL");
  }
  if (!["win32", "darwin", "linux"].includes(args.platform)) {
    usage(`platform must be win32, darwin or linux (from --platform or the feed URL), not ${args.platform}`);
  }
  return args;
}

/** GET with plain Node http(s), following redirects; resolves {status, size, sha512 (base64), sha256 (hex)}. */
function plainDownload(url, headers, redirects = 0) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === "https:" ? https : http).get(u, { headers }, res => {
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && redirects < 10) {
        res.resume();
        plainDownload(new URL(res.headers.location, u).href, headers, redirects + 1).then(resolve, reject);
        return;
      }
      const sha512 = crypto.createHash("sha512");
      const sha256 = crypto.createHash("sha256");
      let size = 0;
      res.on("data", chunk => {
        size += chunk.length;
        sha512.update(chunk);
        sha256.update(chunk);
      });
      res.on("end", () => resolve({
        status: res.statusCode,
        contentLength: res.headers["content-length"] == null ? null : Number(res.headers["content-length"]),
        size,
        sha512: sha512.digest("base64"),
        sha256: sha256.digest("hex"),
      }));
      res.on("error", reject);
    });
    req.setTimeout(60 * 1000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
  });
}

async function main(args, report, workDir) {
  if (args.platform === "linux") {
    // Provider.getChannelFilePrefix reads the Linux arch from here before process.arch (the library's own test hook).
    process.env.TEST_UPDATER_ARCH = args.arch;
  }
  if (args.stagingId) {
    fs.writeFileSync(path.join(workDir, ".updaterId"), args.stagingId);
  }
  const executor = new NodeHttpExecutor();
  report.requests = executor.requests;
  const updater = new AppUpdater(null, new StandInApp(args.currentVersion, workDir));
  updater.logger = { info: m => log(m), warn: m => log("WARN", m), error: m => log("ERROR", m), debug: m => log(m) };
  updater.httpExecutor = executor;
  // What AppUpdater.createProviderRuntimeOptions reads as the platform instead of process.platform.
  updater._testOnlyOptions = { platform: args.platform };
  updater.autoDownload = false;
  updater.requestHeaders = { "X-AccessKey": args.accessKey };
  if (args.channel) {
    updater.channel = args.channel;
  }
  updater.setFeedURL({ provider: "generic", url: args.feedUrl });
  const provider = await updater.clientPromise;
  if (!(provider instanceof GenericProvider)) {
    throw new Error(`electron-updater built a ${provider && provider.constructor.name}, not a GenericProvider`);
  }
  report.provider = provider.constructor.name;
  report.channelFile = getChannelFilename(provider.channel);
  report.stagingUserId = await updater.stagingUserIdPromise.value;

  // getUpdateInfoAndProvider → provider.setRequestHeaders + provider.getLatestVersion(); then isUpdateAvailable.
  const result = await updater.checkForUpdates();
  if (result == null) {
    throw new Error("checkForUpdates() returned null (updater not active)");
  }
  report.channelUrl = executor.requests.length > 0 ? executor.requests[0].url : null;
  const info = result.updateInfo;
  report.isUpdateAvailable = result.isUpdateAvailable;
  report.version = info.version;
  report.releaseDate = info.releaseDate;
  report.upgradeType = info.upgradeType;
  report.promptUpgradeContent = info.promptUpgradeContent;
  report.updateInfo = info;
  if (!result.isUpdateAvailable) {
    report.files = [];
    return;
  }

  const resolved = provider.resolveFiles(info);
  report.files = resolved.map(f => ({ url: f.url.href, sha512: f.info.sha512, size: f.info.size }));
  report.selectedFile = findFile(resolved, INSTALLER_EXTENSION[args.platform]).url.href;
  report.downloads = [];
  const requestHeaders = updater.computeRequestHeaders(provider);
  for (const [i, f] of resolved.entries()) {
    const d = { url: f.url.href, expectedSha512: f.info.sha512, expectedSize: f.info.size };
    report.downloads.push(d);

    // 1. electron-updater's own download path, which fails on a SHA-512 mismatch (ERR_CHECKSUM_MISMATCH).
    const destination = path.join(workDir, `download-${i}`);
    try {
      await executor.download(f.url, destination, {
        headers: requestHeaders,
        cancellationToken: new CancellationToken(),
        sha512: f.info.sha512,
        sha2: f.info.sha2,
      });
      d.libraryVerified = true;
      d.librarySize = fs.statSync(destination).size;
    } catch (e) {
      d.libraryVerified = false;
      d.libraryError = `${e.code ? e.code + ": " : ""}${e.message}`;
    }

    // 2. Plain Node http, hashed here.
    const plain = await plainDownload(f.url.href, {});
    d.status = plain.status;
    d.size = plain.size;
    d.sha512 = plain.sha512;
    d.sha256 = plain.sha256;
    d.verified = plain.status === 200 && plain.sha512 === f.info.sha512
      && (f.info.size == null || plain.size === f.info.size);
  }
  const failed = report.downloads.filter(d => !d.verified || !d.libraryVerified);
  if (failed.length > 0) {
    throw new Error(`download check failed for ${failed.map(d => d.url).join(", ")}`);
  }
}

const args = parseArgs(process.argv.slice(2));
const report = {
  ok: false,
  electronUpdaterVersion: ELECTRON_UPDATER_VERSION,
  feedUrl: args.feedUrl,
  currentVersion: args.currentVersion,
  platform: args.platform,
  arch: args.arch,
};
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "electron-updater-check-"));
const finish = code => {
  fs.rmSync(workDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(report, null, 2) + "\n", () => process.exit(code));
};
const watchdog = setTimeout(() => {
  report.error = `timed out after ${OVERALL_TIMEOUT_MS} ms`;
  finish(1);
}, OVERALL_TIMEOUT_MS);
watchdog.unref();
main(args, report, workDir).then(
  () => {
    report.ok = true;
    finish(0);
  },
  e => {
    report.error = `${e.code ? e.code + ": " : ""}${e.message}`;
    log(e.stack || e);
    finish(1);
  });
