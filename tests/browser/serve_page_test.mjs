// The `mnist serve` page in a real browser (Debian's Chromium, driven by playwright-core): draw
// a 1 and a 0 with the mouse, read the predictions, clear, send a blank pad, and send a body
// over the server's 1 MB limit. One line per check, "PASS: ..." or "FAIL: ...".
//   node serve_page_test.mjs URL SCREENSHOT.png
// Exits 1 when a check failed, 2 on a usage error or when the whole run took over 60 s.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const [url, screenshotPath] = process.argv.slice(2);
if (!url || !screenshotPath) {
  console.error("usage: node serve_page_test.mjs URL SCREENSHOT.png");
  process.exit(2);
}

const WAIT_MS = 10000;  // for one prediction; the server answers in milliseconds
let failures = 0;
function check(ok, description, detail = "") {
  console.log(ok ? `PASS: ${description}` : `FAIL: ${description}${detail ? ` (${detail})` : ""}`);
  if (!ok) failures++;
}

// Flags the closed network needs: without them Chromium keeps trying to reach Google's
// services and its connections are refused. A fresh profile, so no earlier state leaks in.
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "backprop-chromium-"));
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
let context = null;

async function closeBrowser() {
  const c = context;
  context = null;
  if (c) await Promise.race([c.close(), new Promise(r => setTimeout(r, 5000))]).catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

// Never hang: whatever is stuck, give up after 60 s, still closing the browser.
const overall = setTimeout(async () => {
  console.log("FAIL: the browser test did not finish within 60 s");
  await closeBrowser();
  process.exit(2);
}, 60000);

// Waits for the page to show a prediction (or an error) for what is on the pad now.
async function settled(page) {
  await page.waitForFunction(() => ["ready", "error"].includes(document.body.dataset.state), null, { timeout: WAIT_MS });
  return page.evaluate(() => ({
    state: document.body.dataset.state,
    dataDigit: document.body.dataset.digit,
    digit: document.getElementById("digit").textContent.trim(),
    rows: document.querySelectorAll("#bars .row").length,
    top: [...document.querySelectorAll("#bars .row")].findIndex(r => r.classList.contains("top")),
    tops: document.querySelectorAll("#bars .row.top").length,
    values: [...document.querySelectorAll("#bars .value")].map(v => v.textContent),
    status: document.getElementById("status").textContent,
    // the "seen" canvas: how many of its 28x28 pixels are not black
    seenInk: (() => {
      const { data } = document.getElementById("seen").getContext("2d").getImageData(0, 0, 28, 28);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) n += data[i] > 0 ? 1 : 0;
      return n;
    })(),
  }));
}

// Draws one stroke through `points` (fractions of the pad's size), with intermediate moves.
async function stroke(page, points, steps) {
  const box = await page.locator("#pad").boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps });
  await page.mouse.up();
}

async function expectDigit(page, expected, what) {
  const r = await settled(page);
  const p = r.values[Number(r.dataDigit)] ?? "?";
  check(r.state === "ready" && r.dataDigit === expected, `${what}: body data-state ready, data-digit "${expected}" (probability ${p})`,
    `state ${r.state}, data-digit ${r.dataDigit}, status "${r.status}"`);
  check(r.digit === expected, `${what}: #digit shows "${expected}"`, `shows "${r.digit}"`);
  const sum = r.values.reduce((s, v) => s + Number(v), 0);
  check(r.rows === 10 && r.tops === 1 && r.top === Number(expected) && Math.abs(sum - 1) < 0.02,
    `${what}: #bars has 10 rows, the ${expected} highlighted, values summing to 1`,
    `${r.rows} rows, ${r.tops} highlighted (row ${r.top}), sum ${sum.toFixed(3)}`);
  check(r.seenInk > 20, `${what}: #seen shows the 28x28 input the model saw`, `${r.seenInk} non-black pixels`);
  check(r.status === "", `${what}: #status stays empty (it looks like a digit)`, `status "${r.status}"`);
}

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium", headless: true, args: flags,
    viewport: { width: 760, height: 460 },
  });
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  const foreign = [];
  page.on("pageerror", e => errors.push(e.message));
  // (Chromium logs every 4xx answer as a console error; those are expected here.)
  page.on("console", m => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  page.on("request", r => { if (!r.url().startsWith(new URL(url).origin)) foreign.push(r.url()); });

  const response = await page.goto(url);
  check(response?.status() === 200 && (await page.title()) === "backprop — draw a digit",
    "GET / serves the page", `status ${response?.status()}, title "${await page.title()}"`);
  check(await page.evaluate(() => document.body.dataset.state === "empty" && getComputedStyle(document.getElementById("pad")).touchAction === "none"),
    "the page starts empty, and the pad takes touch input for itself (touch-action: none)");

  // A "1": one vertical stroke down the middle of the pad.
  await stroke(page, [[0.5, 0.15], [0.5, 0.85]], 40);
  await expectDigit(page, "1", "a drawn 1");

  await page.click("#clear");
  const cleared = await page.evaluate(() => ({
    state: document.body.dataset.state, dataDigit: document.body.dataset.digit,
    digit: document.getElementById("digit").textContent.trim(),
    tops: document.querySelectorAll("#bars .row.top").length,
    values: [...document.querySelectorAll("#bars .value")].map(v => v.textContent).join(""),
    // any ink left on the pad?
    ink: (() => {
      const p = document.getElementById("pad");
      const { data } = p.getContext("2d").getImageData(0, 0, p.width, p.height);
      return data.some((v, i) => i % 4 !== 3 && v < 255);
    })(),
  }));
  check(cleared.state === "empty" && cleared.dataDigit === undefined && ["", "–"].includes(cleared.digit) &&
    cleared.tops === 0 && cleared.values === "" && !cleared.ink,
    "Clear empties the pad and resets the result", JSON.stringify(cleared));

  // The blank pad sent as it is: the server refuses it, and the page asks for a digit.
  await page.evaluate(() => window.predictPad());
  const blank = await settled(page);
  check(blank.state === "error" && /draw a digit/.test(blank.status) && blank.dataDigit === undefined,
    "a blank pad is refused and #status says to draw a digit", `state ${blank.state}, status "${blank.status}"`);

  // A "0": one closed ellipse, 45 % of the pad wide and 70 % high.
  await page.click("#clear");
  const ellipse = Array.from({ length: 41 }, (_, i) => {
    const a = (2 * Math.PI * i) / 40;
    return [0.5 + 0.225 * Math.sin(a), 0.5 - 0.35 * Math.cos(a)];
  });
  await stroke(page, ellipse, 3);
  await expectDigit(page, "0", "a drawn 0");
  await page.screenshot({ path: screenshotPath, fullPage: true });
  check(fs.existsSync(screenshotPath), `screenshot of the page with the 0 in ${screenshotPath}`);

  // An answer saying the drawing is no digit (looks_like_digit false): #status gives the reason.
  await page.route("**/predict", route => route.fulfill({
    status: 200, contentType: "application/json",
    body: JSON.stringify({ digit: 8, probabilities: [0, 0, 0, 0, 0, 0, 0, 0, 1, 0], input: new Array(784).fill(0),
                           inverted: false, looks_like_digit: false, doubt: "ink everywhere" }),
  }));
  await page.click("#clear");
  await stroke(page, [[0.2, 0.2], [0.8, 0.8]], 10);
  const doubted = await settled(page);
  check(/^not sure this is a digit: ink everywhere$/.test(doubted.status), "a drawing the server doubts: #status says why",
    `status "${doubted.status}"`);
  await page.unroute("**/predict");

  // A body over the server's 1 MB limit, sent from the page itself.
  const status = await page.evaluate(async () => {
    try {
      const r = await fetch("/predict", { method: "POST", headers: { "Content-Type": "image/png" }, body: new Uint8Array(2 << 20) });
      return r.status;
    } catch (e) {
      return `network error: ${e.message}`;
    }
  });
  check(status === 413, "a 2 MB body from the page is answered 413", `got ${status}`);

  check(errors.length === 0, "no JavaScript errors on the page", errors.join(" | "));
  check(foreign.length === 0, "the page loads nothing from anywhere but the server", foreign.join(" "));
} catch (e) {
  check(false, "the browser test ran to the end", e.message.split("\n")[0]);
} finally {
  await closeBrowser();
  clearTimeout(overall);
}
console.log(failures === 0 ? "browser checks passed" : `${failures} browser check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
