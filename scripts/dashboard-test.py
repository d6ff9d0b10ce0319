#!/usr/bin/env python3
"""Seeds a private Reelay stack and drives the operator dashboard through headless Chromium (for scripts/dashboard-test.sh).

    dashboard-test.py seed   # through the API and the sandbox's test routes: accounts, media, campaigns, posts, dead jobs
    dashboard-test.py run    # Selenium: sign in, every page, the dead-letter retry, the queue pause/resume, screenshots

Environment (set by dashboard-test.sh):
    DASHBOARD_API          the API's base URL (http://127.0.0.1:8097); direct API checks go there
    DASHBOARD_URL          where the browser opens the dashboard (default DASHBOARD_API + "/")
    DASHBOARD_SANDBOX      the sandbox's base URL (seed only)
    DASHBOARD_KEY          an admin API key
    DASHBOARD_SEED_FILE    JSON written by `seed` and read by `run` (ids of what was made)
    DASHBOARD_MEDIA_DIR    where `seed` writes its sample videos
    DASHBOARD_SCREENSHOTS  folder for one PNG per page
    CHROMEDRIVER, CHROME_BIN   the chromedriver and Chromium executables (Selenium never downloads a driver)
    DASHBOARD_HEADFUL=1    show the browser

`seed` needs the standard library only; `run` needs selenium. Both exit non-zero with a one-line reason on failure.
"""
import datetime
import importlib.util
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

sys.dont_write_bytecode = True   # importing sample-video.py must leave no __pycache__ in scripts/

API = os.environ.get("DASHBOARD_API", "http://127.0.0.1:8097").rstrip("/")
KEY = os.environ.get("DASHBOARD_KEY", "")
QUEUE = "publish"


class Failure(Exception):
    """A check that did not hold; its message is the one-line reason printed at the end."""


def say(message):
    print(f"dashboard-test.py: {message}", file=sys.stderr, flush=True)


# --- HTTP ---------------------------------------------------------------------------------------------------------

def http(method, url, body=None, headers=None, expect=None, raw=None, content_type="application/json"):
    """Calls url; answers (status, decoded JSON or None). `expect` (an int or a set) makes any other status a Failure."""
    data = raw
    all_headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
    if data is not None:
        all_headers.setdefault("Content-Type", content_type)
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        raise Failure(f"{method} {url}: no answer ({error})") from None
    try:
        decoded = json.loads(payload) if payload else None
    except ValueError:
        decoded = None
    if expect is not None:
        wanted = {expect} if isinstance(expect, int) else set(expect)
        if status not in wanted:
            raise Failure(f"{method} {url} answered {status} (expected {sorted(wanted)}): {payload[:500].decode(errors='replace')}")
    return status, decoded


def api(method, path, body=None, expect=200, **kwargs):
    headers = {"Authorization": f"Bearer {KEY}"}
    headers.update(kwargs.pop("headers", {}))
    return http(method, API + path, body=body, headers=headers, expect=expect, **kwargs)[1]


def stamp(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Seeding ------------------------------------------------------------------------------------------------------

CREATORS = [
    # nickname, username, labels, role in the run
    ("Ada Lovelace", "ada", ["launch", "demo"], "ok"),
    ("Grace Hopper", "grace", ["launch"], "ok"),
    ("Katherine Johnson", "katherine", ["launch", "weekly"], "ok"),
    ("Hedy Lamarr", "hedy", ["launch"], "refresh_soon"),
    ("Margaret Hamilton", "margaret", ["launch"], "fails"),
    ("Radia Perlman", "radia", ["spare"], "disabled"),
]


def multipart(field, filename, content, content_type="video/mp4"):
    boundary = "----reelay" + uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def sample_videos(folder, count):
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("sample_video", os.path.join(here, "sample-video.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.makedirs(folder, exist_ok=True)
    paths = []
    for n in range(1, count + 1):
        path = os.path.join(folder, f"dashboard-clip-{n}.mp4")
        with open(path, "wb") as f:
            f.write(module.sample(6 + n, media_bytes=150_000 + n))
        paths.append(path)
    return paths


def seed():
    sandbox = os.environ.get("DASHBOARD_SANDBOX", "http://127.0.0.1:9497").rstrip("/")
    out = os.environ["DASHBOARD_SEED_FILE"]
    now = datetime.datetime.now(datetime.timezone.utc)

    rows, open_ids = [], {}
    for nickname, username, labels, role in CREATORS:
        _, creator = http("POST", f"{sandbox}/_sandbox/creators", {"nickname": nickname, "username": username, "daily_post_cap": 50}, expect=201)
        _, grant = http("POST", f"{sandbox}/_sandbox/tokens",
                        {"open_id": creator["open_id"], "scope": "user.info.basic,video.publish,video.upload"}, expect=201)
        refresh_end = now + datetime.timedelta(seconds=int(grant["refresh_expires_in"]))
        if role == "refresh_soon":
            refresh_end = now + datetime.timedelta(days=2)   # the dashboard must flag it
        rows.append({
            "open_id": creator["open_id"], "access_token": grant["access_token"],
            "access_token_expires_at": stamp(now + datetime.timedelta(seconds=int(grant["expires_in"]))),
            "refresh_token": grant["refresh_token"], "refresh_token_expires_at": stamp(refresh_end),
            "scopes": grant["scope"].split(","), "nickname": nickname, "username": username, "labels": labels,
            "timezone": "UTC" if role != "ok" else "Europe/Paris", "daily_cap": 20 if role == "ok" else 15,
        })
        open_ids[username] = creator["open_id"]
    imported = api("POST", "/api/v1/accounts/import", {"rows": rows})
    if imported["imported"] != len(rows):
        raise Failure(f"account import: {imported}")
    accounts = {}
    for (_, username, _, _), row in zip(CREATORS, imported["rows"]):
        accounts[username] = row["account_id"]
    say(f"{len(rows)} sandbox creators imported as accounts")

    # The sandbox refuses Margaret's video_init with a permanent error: her jobs die at once (the dead set's content).
    http("POST", f"{sandbox}/_sandbox/faults",
         {"endpoint": "video_init", "force_error": {"open_id": open_ids["margaret"], "code": "invalid_params"}}, expect=200)

    media = []
    for path in sample_videos(os.environ.get("DASHBOARD_MEDIA_DIR", "/tmp/reelay-dashboard-videos"), 3):
        with open(path, "rb") as f:
            body, content_type = multipart("file", os.path.basename(path), f.read())
        media.append(api("POST", "/api/v1/media", raw=body, content_type=content_type, expect=201)["id"])
    say(f"{len(media)} videos uploaded")

    settings = {"privacy_level": "SELF_ONLY"}
    launch = api("POST", "/api/v1/campaigns", {
        "name": "Launch day", "mode": "direct_post", "media_ids": media[:2],
        "caption_template": "Launch day with {account.nickname} ({index}) #reelay", "post_settings": settings,
        "account_selection": {"labels": ["launch"]}, "strategy": "round_robin", "schedule": {"type": "now"}}, expect=201)
    api("POST", f"/api/v1/campaigns/{launch['id']}/start", expect=202)
    tomorrow = (now + datetime.timedelta(days=1)).strftime("%Y-%m-%dT09:30:00")
    weekly = api("POST", "/api/v1/campaigns", {
        "name": "Tomorrow's tips", "mode": "direct_post", "media_ids": [media[2]],
        "caption_template": "Tip of the day for {account.nickname}", "post_settings": settings,
        "account_selection": {"account_ids": [accounts["ada"], accounts["katherine"]]},
        "schedule": {"type": "at", "at": tomorrow, "timezone": "UTC"}, "over_budget": "spread"}, expect=201)
    api("POST", f"/api/v1/campaigns/{weekly['id']}/start", expect=202)
    draft = api("POST", "/api/v1/campaigns", {
        "name": "Holiday ideas (draft)", "mode": "inbox", "media_ids": [media[0]], "post_settings": settings,
        "account_selection": {"labels": ["demo"]}, "schedule": {"type": "now"}}, expect=201)
    single = api("POST", "/api/v1/posts", {"media_id": media[2], "account_id": accounts["grace"],
                                            "caption": "A standalone post <b>with markup</b> & \"quotes\"",
                                            "post_settings": settings}, expect=201)
    doomed = api("POST", "/api/v1/posts", {"media_id": media[1], "account_id": accounts["margaret"],
                                            "caption": "Margaret's extra take", "post_settings": settings, "max_attempts": 1}, expect=201)
    say(f"campaigns started: {launch['id']} (now), {weekly['id']} (tomorrow); draft {draft['id']}; standalone post {single['id']}")

    # Wait for the launch posts to finish and Margaret's jobs to reach the dead set.
    deadline = time.time() + 120
    while True:
        progress = api("GET", f"/api/v1/campaigns/{launch['id']}/progress")
        counts = progress["by_status"]
        finished = counts["completed"] + counts["failed"] + counts["cancelled"] + counts["missed"]
        dead = api("GET", f"/api/v1/queues/{QUEUE}/dead?limit=50")["items"]
        standalone = api("GET", f"/api/v1/posts/{single['id']}")["status"]
        if finished >= progress["total"] and len(dead) >= 3 and standalone == "completed":
            break
        if time.time() > deadline:
            raise Failure(f"the launch campaign did not finish in 120 s: {counts}, {len(dead)} dead jobs (3 expected), standalone post {standalone}")
        time.sleep(1)
    if counts["completed"] < 6 or counts["failed"] < 2:
        raise Failure(f"expected ≥ 6 completed and ≥ 2 failed launch posts, got {counts}")
    say(f"launch campaign finished: {counts['completed']} completed, {counts['failed']} failed; {len(dead)} dead jobs")

    # From now on the sandbox accepts Margaret's posts, so a dead job retried from the page completes.
    http("DELETE", f"{sandbox}/_sandbox/faults", expect=200)
    api("PATCH", f"/api/v1/accounts/{accounts['radia']}", {"disabled": True})

    with open(out, "w") as f:
        json.dump({"accounts": accounts, "media": media, "campaigns": {"launch": launch["id"], "weekly": weekly["id"], "draft": draft["id"]},
                   "standalone_post": single["id"], "doomed_post": doomed["id"], "dead": [job["id"] for job in dead]}, f, indent=1)
    say(f"seed written to {out}")


# --- Browser test -------------------------------------------------------------------------------------------------

SEVERE_OK = ("status of 401",)   # the 401s the test provokes on purpose (a wrong key, a key refused later)
PAGES_SEEN = []


class Browser:
    """A headless Chromium through chromedriver, with waits that retry while the page re-renders every 5 s."""

    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select, WebDriverWait
        from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
        self.By, self.Select, self.WebDriverWait = By, Select, WebDriverWait
        self.Stale, self.Timeout, self.WebDriverException = StaleElementReferenceException, TimeoutException, WebDriverException
        os.environ.setdefault("SE_OFFLINE", "true")   # Selenium Manager must never download a browser or driver
        options = webdriver.ChromeOptions()
        if os.environ.get("DASHBOARD_HEADFUL") != "1":
            options.add_argument("--headless=new")
        for argument in ("--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                         "--disable-extensions", "--no-first-run", "--lang=en-US"):
            options.add_argument(argument)
        if os.environ.get("CHROME_BIN"):
            options.binary_location = os.environ["CHROME_BIN"]
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver_path = os.environ.get("CHROMEDRIVER") or "/usr/bin/chromedriver"
        if not os.path.exists(driver_path):
            raise Failure(f"no chromedriver at {driver_path} (apt-get install chromium-driver, or set CHROMEDRIVER)")
        try:
            self.driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        except WebDriverException as error:
            raise Failure(f"Chromium did not start: {error.msg}") from None
        self.driver.set_page_load_timeout(30)
        self.console = []

    def quit(self):
        try:
            self.driver.quit()
        except Exception:
            pass

    # Waiting and finding

    def wait(self, what, condition, timeout=15):
        """Polls condition() until it answers something truthy; a Failure naming `what` otherwise."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                value = condition()
                if value:
                    return value
            except (self.Stale, self.WebDriverException) as error:
                last = error
            time.sleep(0.2)
        page = self.js("var p = document.getElementById('page'); return p ? p.dataset.page + '/' + p.dataset.state : 'no page'")
        raise Failure(f"timed out after {timeout} s waiting for {what} (page {page}, url {self.driver.current_url})"
                      + (f"; last error {type(last).__name__}" if last else ""))

    def all(self, css):
        return self.driver.find_elements(self.By.CSS_SELECTOR, css)

    def one(self, css, what=None, timeout=15):
        return self.wait(what or css, lambda: (self.all(css) or [None])[0], timeout)

    def visible(self, css):
        return any(e.is_displayed() for e in self.all(css))

    def text(self, css):
        return " ".join(e.text for e in self.all(css))

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def in_panel(self, panel, css, what):
        """Waits for css inside the panel [data-testid=panel]; fails at once, quoting the page, when the panel says the
        endpoint behind it is unavailable or failed."""
        def ready():
            found = self.all(f'[data-testid="{panel}"] {css}')
            if found:
                return found
            notes = self.text(f'[data-testid="{panel}"] .note-unavailable, [data-testid="{panel}"] .note-error')
            if notes:
                raise Failure(f"{what}: the page says {notes!r}")
            return None
        return self.wait(what, ready, timeout=20)

    def click(self, css, what=None):
        """Clicks the first element matching css, trying again when a refresh replaced it under us."""
        for _ in range(5):
            element = self.one(css, what)
            try:
                self.js("arguments[0].scrollIntoView({block: 'center'})", element)
                element.click()
                return
            except self.Stale:
                time.sleep(0.2)
        raise Failure(f"could not click {what or css}: it kept being replaced")

    def go(self, route, page_name):
        """Opens the hash route (#/posts?status=failed) and waits until the page rendered for it has refreshed once."""
        self.js("location.hash = arguments[0]", route)
        self.wait(f"{route} to load", lambda: self.js(
            "var p = document.getElementById('page');"
            "return p && p.dataset.route === location.hash && p.dataset.page === arguments[0] && p.dataset.state === 'ready'", page_name))

    def page_ready(self, page_name):
        self.wait(f"page {page_name} to load", lambda: self.js(
            "var p = document.getElementById('page'); return p && p.dataset.page === arguments[0] && p.dataset.state === 'ready'", page_name))

    def nav(self, name):
        self.click(f'[data-testid="nav-{name}"]', f"the {name} link")
        self.page_ready(name)

    def toast(self, kind, contains=""):
        return self.wait(f"a {kind} toast{f' saying {contains!r}' if contains else ''}", lambda: next(
            (t.text for t in self.all(f'[data-testid="toast"][data-kind="{kind}"]') if contains in t.text), None))

    def screenshot(self, name, toasts=False):
        folder = os.environ.get("DASHBOARD_SCREENSHOTS", "dashboard-screenshots")
        os.makedirs(folder, exist_ok=True)
        self.js("var t = document.getElementById('toasts'); if (t) t.hidden = !arguments[0]", toasts)
        height = self.js("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight, 700)")
        self.driver.set_window_size(1400, min(int(height) + 40, 6000))
        time.sleep(0.3)
        path = os.path.join(folder, f"{name}.png")
        if not self.driver.save_screenshot(path):
            raise Failure(f"could not save the screenshot {path}")
        self.driver.set_window_size(1400, 1000)
        self.js("var t = document.getElementById('toasts'); if (t) t.hidden = false")
        PAGES_SEEN.append(path)

    def collect_console(self):
        try:
            self.console.extend(self.driver.get_log("browser"))
        except Exception:
            pass


def queue_info(name=QUEUE):
    return next((q for q in api("GET", "/api/v1/queues")["items"] if q["name"] == name), None)


def dead_ids():
    return {job["id"] for job in api("GET", f"/api/v1/queues/{QUEUE}/dead?limit=200")["items"]}


def poll(what, condition, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise Failure(f"timed out after {timeout} s waiting for {what}")


def check(condition, message):
    if not condition:
        raise Failure(message)


def run():
    seed_file = os.environ.get("DASHBOARD_SEED_FILE")
    if not seed_file or not os.path.exists(seed_file):
        raise Failure("DASHBOARD_SEED_FILE is missing: run `dashboard-test.py seed` first")
    seeded = json.load(open(seed_file))
    url = os.environ.get("DASHBOARD_URL") or f"{API}/"
    folder = os.environ.get("DASHBOARD_SCREENSHOTS", "dashboard-screenshots")
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        if old.endswith(".png"):
            os.remove(os.path.join(folder, old))

    browser = Browser()
    steps = 0
    try:
        def step(title):
            nonlocal steps
            steps += 1
            browser.collect_console()
            say(f"step {steps}: {title}")

        step(f"the sign-in screen at {url}")
        try:
            urllib.request.urlopen(url, timeout=10).close()
        except urllib.error.HTTPError as error:
            raise Failure(f"GET {url} answered {error.code}: the dashboard is not served there (set DASHBOARD_URL?)") from None
        except (urllib.error.URLError, OSError) as error:
            raise Failure(f"GET {url}: no answer ({error})") from None
        with urllib.request.urlopen(url, timeout=10) as response:   # raises (HTTPError) on 4xx/5xx
            csp = response.headers.get("Content-Security-Policy") or ""
            check("default-src 'self'" in csp, f"GET {url} has no strict Content-Security-Policy header (got {csp!r})")
        for asset, kind in (("dashboard.js", "javascript"), ("dashboard.css", "css")):
            asset_url = urllib.parse.urljoin(url, f"/dashboard/{asset}")
            with urllib.request.urlopen(asset_url, timeout=10) as response:
                check(kind in (response.headers.get("Content-Type") or ""), f"{asset_url} is served as {response.headers.get('Content-Type')!r}")
        browser.driver.get(url)
        browser.wait("the sign-in form", lambda: browser.visible("#signin-form"))
        check(not browser.visible("#shell"), "the dashboard shows its pages before any key was given")
        browser.screenshot("01-signin")

        step("a wrong key is refused on the sign-in screen")
        browser.one("#signin-key").send_keys("rly_not_a_real_key")
        browser.click("#signin-submit")
        message = browser.wait("the refusal message", lambda: browser.visible("#signin-message") and browser.text("#signin-message"))
        check("refused" in message, f"the sign-in message for a wrong key reads {message!r}")

        step("signing in with the admin key")
        key_input = browser.one("#signin-key")
        key_input.clear()
        key_input.send_keys(KEY)
        browser.click("#signin-submit")
        browser.page_ready("queues")
        check(browser.js("return sessionStorage.getItem('reelay.dashboard.key')") == KEY, "the key is not kept in sessionStorage")

        step("queues: the publish row, its figures and the throughput chart")
        info = queue_info()
        check(info is not None, "GET /api/v1/queues has no publish queue")
        row_css = f'tr[data-testid="queue-row"][data-queue="{QUEUE}"]'
        browser.one(row_css, "the publish queue row")
        dead_cell = browser.text(f'{row_css} td[data-field="dead"]')
        check(dead_cell.strip() == str(info["dead"]), f"the publish row shows {dead_cell!r} dead jobs, the API {info['dead']}")
        check(browser.text(f'{row_css} [data-testid="queue-state"]').lower() == ("paused" if info["paused"] else "running"), "the queue state badge is wrong")
        check(browser.visible(f'{row_css} [data-testid="queue-pause"]'), "no Pause button on the publish row")
        bars = browser.in_panel("throughput-panel", f'svg[data-testid="throughput-chart"][data-queue="{QUEUE}"] rect.bar', "bars in the publish throughput chart")
        check(len(bars) >= 1, "the throughput chart has no bar")
        nav_dead = browser.text('[data-testid="nav-dead-count"]')
        check(nav_dead.strip() == str(info["dead"]), f"the navigation's dead count reads {nav_dead!r}, the API says {info['dead']}")
        browser.screenshot("02-queues")

        step("workers: the live worker with its in-flight count and heartbeat")
        browser.nav("workers")
        rows = browser.in_panel("workers-panel", 'tr[data-testid="worker-row"]', "a worker row")
        inflight = browser.text('tr[data-testid="worker-row"] [data-testid="worker-inflight"]')
        check(any(ch.isdigit() for ch in inflight) and "/" in inflight, f"the worker's in-flight cell reads {inflight!r}")
        beat = browser.text('tr[data-testid="worker-row"] [data-testid="worker-heartbeat"]')
        check("ago" in beat, f"the worker's heartbeat cell reads {beat!r}")
        check(len(rows) >= 1, "no worker row")
        browser.screenshot("03-workers")

        step("scheduler: the leader and lag from /readyz")
        browser.nav("scheduler")
        _, ready = http("GET", f"{API}/readyz")
        leader = (ready.get("scheduler") or {}).get("leader")
        check(leader, f"/readyz names no scheduler leader: {ready}")
        browser.wait(f"the leader {leader}", lambda: browser.text('[data-testid="scheduler-leader"]') == leader)
        lag = browser.text('[data-testid="scheduler-lag"]')
        check("ms" in lag or " s" in lag or "min" in lag, f"the lag reads {lag!r}")
        browser.screenshot("04-scheduler")

        step("campaigns: the launch campaign's progress bar")
        browser.nav("campaigns")
        launch = seeded["campaigns"]["launch"]
        progress = api("GET", f"/api/v1/campaigns/{launch}/progress")
        launch_css = f'tr[data-testid="campaign-row"][data-campaign-id="{launch}"]'
        browser.one(f'{launch_css} [data-testid="campaign-progress"]', "the launch campaign's progress bar")
        check(browser.all(f'{launch_css} .seg-completed') and browser.all(f'{launch_css} .seg-failed'),
              "the launch progress bar lacks its completed or failed segment")
        finished = sum(progress["by_status"][k] for k in ("completed", "failed", "cancelled", "missed"))
        text = browser.text(f'{launch_css} [data-testid="campaign-progress-text"]')
        check(f"{finished} of {progress['total']} finished" in text, f"the launch progress reads {text!r}, the API {progress}")
        width = browser.js("var s = document.querySelector(arguments[0]); return s ? s.getBoundingClientRect().width : 0", f"{launch_css} .seg-completed")
        check(width > 20, f"the completed segment is {width}px wide")
        check(browser.all(f'tr[data-testid="campaign-row"][data-campaign-id="{seeded["campaigns"]["weekly"]}"]'), "the timed campaign is not listed")
        browser.screenshot("05-campaigns")

        step("posts: the list, text shown as text, filters and paging")
        browser.nav("posts")
        total_posts = api("GET", "/api/v1/posts/stats")["total"]
        browser.wait("post rows", lambda: len(browser.all('tr[data-testid="post-row"]')) >= min(total_posts, 25))
        standalone_css = f'tr[data-testid="post-row"][data-post-id="{seeded["standalone_post"]}"]'
        browser.one(standalone_css, "the standalone post's row")
        caption = browser.text(f"{standalone_css} td.caption")
        check('<b>with markup</b> & "quotes"' in caption, f"the caption with markup is not shown as text: {caption!r}")
        check(not browser.all(f"{standalone_css} b"), "markup from a caption became an element: text is not escaped")
        browser.screenshot("06-posts")
        browser.Select(browser.one("#posts-filter-status")).select_by_value("failed")
        failed_api = api("GET", "/api/v1/posts?status=failed&limit=200")["items"]
        browser.wait("only failed posts listed", lambda: (lambda rows: rows and len(rows) == len(failed_api) and all(r.get_attribute("data-status") == "failed" for r in rows))(browser.all('tr[data-testid="post-row"]')))
        check("status=failed" in browser.driver.current_url, "the status filter is not in the address")
        browser.screenshot("07-posts-failed")
        margaret = seeded["accounts"]["margaret"]
        browser.go(f"#/posts?account_id={margaret}", "posts")
        browser.wait("Margaret's posts only", lambda: (lambda rows: rows and all(r.get_attribute("data-post-id") in {p['id'] for p in failed_api} for r in rows))(browser.all('tr[data-testid="post-row"]')))
        browser.go("#/posts?limit=5", "posts")
        first = browser.wait("a first page of 5", lambda: (lambda ids: ids if len(ids) == 5 else None)([r.get_attribute("data-post-id") for r in browser.all('tr[data-testid="post-row"]')]))
        browser.click('[data-testid="posts-next"]')
        second = browser.wait("a second page", lambda: (lambda ids: ids if ids and ids[0] not in first else None)([r.get_attribute("data-post-id") for r in browser.all('tr[data-testid="post-row"]')]))
        expected_second = [p["id"] for p in api("GET", f"/api/v1/posts?limit=5&cursor={urllib.parse.quote(api('GET', '/api/v1/posts?limit=5')['next_cursor'])}")["items"]]
        check(second == expected_second, f"page 2 shows {second}, the API's page 2 is {expected_second}")
        check("Page 2" in browser.text('[data-testid="posts-page"]'), "the pager does not say page 2")
        browser.click('[data-testid="posts-prev"]')
        browser.wait("the first page again", lambda: [r.get_attribute("data-post-id") for r in browser.all('tr[data-testid="post-row"]')] == first)

        step("post detail: a completed post's timeline")
        browser.go("#/posts", "posts")
        browser.click(f"{standalone_css} td.caption", "the standalone post's row")
        browser.page_ready("posts-detail")
        events = browser.wait("timeline events", lambda: browser.all('[data-testid="post-timeline"] li[data-testid="post-event"]'))
        names = [e.get_attribute("data-event") for e in events]
        api_events = [e["event"] for e in api("GET", f"/api/v1/posts/{seeded['standalone_post']}")["events"]]
        check(names == api_events, f"the timeline shows {names}, the API {api_events}")
        check("completed" in names and len(names) >= 3, f"the completed post's timeline is {names}")
        check(not browser.all('[data-testid="post-retry"]'), "a completed post offers Retry")
        browser.screenshot("08-post-timeline")

        step("dead letters: the dead jobs, then Retry on one")
        browser.nav("dead")
        dead_now = dead_ids()
        check(set(seeded["dead"]) <= dead_now, f"the seeded dead jobs {seeded['dead']} are not all dead: {dead_now}")
        rows = browser.wait("every dead row", lambda: (lambda rows: rows if {r.get_attribute("data-job-id") for r in rows} == dead_now else None)(browser.all('tr[data-testid="dead-row"]')))
        check("invalid_params" in browser.text('tr[data-testid="dead-row"] td.error-cell'), "the dead rows do not show the last error")
        browser.screenshot("09-dead-letters")
        check(len(seeded["dead"]) >= 3, f"the seed left {len(seeded['dead'])} dead jobs, 3 expected")
        target = seeded["dead"][0]
        browser.click(f'button[data-testid="dead-retry"][data-job-id="{target}"]', "the Retry button of a dead job")
        browser.toast("ok", "put back")
        poll(f"job {target} to leave the dead set (GET /api/v1/queues/{QUEUE}/dead)", lambda: target not in dead_ids())
        browser.wait("its row to disappear", lambda: not browser.all(f'tr[data-testid="dead-row"][data-job-id="{target}"]'))

        step("accounts: statuses, token expiry warnings, daily caps")
        browser.nav("accounts")
        accounts = seeded["accounts"]
        browser.wait("every account row", lambda: len(browser.all('tr[data-testid="account-row"]')) == len(accounts))
        hedy = f'tr[data-testid="account-row"][data-account-id="{accounts["hedy"]}"]'
        check(browser.one(f'{hedy} [data-testid="refresh-expiry"]').get_attribute("data-tone") == "warn",
              "the refresh token expiring in two days is not flagged")
        ada = f'tr[data-testid="account-row"][data-account-id="{accounts["ada"]}"]'
        check(browser.one(f'{ada} [data-testid="refresh-expiry"]').get_attribute("data-tone") == "ok", "a refresh token valid for a year is flagged")
        radia = f'tr[data-testid="account-row"][data-account-id="{accounts["radia"]}"]'
        check(browser.one(radia).get_attribute("data-status") == "disabled" and "disabled" in browser.text(f'{radia} [data-testid="account-status"]').lower(),
              "the disabled account does not show as disabled")
        check(browser.text(f'{ada} [data-testid="account-cap"]') == "20", "Ada's daily cap is not 20")
        browser.screenshot("10-accounts")

        step("charts: publishes per account per day, posts by status, throughput")
        browser.nav("charts")
        bars = browser.in_panel("account-day-panel", 'svg[data-testid="account-day-chart"] rect.bar', "bars in the per-account-per-day chart")
        check(len(bars) >= 5, f"the per-account-per-day chart has {len(bars)} bars")
        check(browser.all('svg[data-testid="throughput-chart"] rect.bar'), "the charts page has no throughput bar")
        check(browser.all('[data-testid="status-bar"] .seg-completed'), "the posts-by-status bar has no completed segment")
        check("%" in browser.text('[data-testid="card-success"]'), "no success rate")
        browser.screenshot("11-charts")

        step("pause the publish queue from its row, check through the API, resume it")
        browser.nav("queues")
        browser.click(f'{row_css} [data-testid="queue-pause"]', "Pause on the publish row")
        browser.wait("the publish row to read paused", lambda: browser.one(row_css).get_attribute("data-paused") == "true")
        check(queue_info()["paused"] is True, "GET /api/v1/queues does not show publish paused after Pause")
        browser.toast("ok", "paused")
        browser.screenshot("12-queues-paused", toasts=True)
        browser.click(f'{row_css} [data-testid="queue-resume"]', "Resume on the publish row")
        browser.wait("the publish row to read running", lambda: browser.one(row_css).get_attribute("data-paused") == "false")
        check(queue_info()["paused"] is False, "GET /api/v1/queues still shows publish paused after Resume")

        step("retry a failed post from its page")
        other = seeded["dead"][1]
        browser.go(f"#/posts/{other}", "posts-detail")
        check(browser.text('[data-testid="post-status"]').lower() == "failed", "the other dead job's post is not shown failed")
        browser.screenshot("13-post-failed")
        browser.click('[data-testid="post-retry"]', "Retry on the failed post")
        browser.toast("ok", "queued again")
        poll(f"post {other} to leave failed", lambda: api("GET", f"/api/v1/posts/{other}")["status"] != "failed")
        check(other not in dead_ids(), "the retried post's job is still dead")

        step("dead letters: Retry all (two clicks) empties the dead set")
        browser.nav("dead")
        rest = dead_ids()
        check(rest, "the dead set is already empty before Retry all")
        browser.wait("the dead rows left", lambda: {r.get_attribute("data-job-id") for r in browser.all('tr[data-testid="dead-row"]')} == rest)
        browser.click('[data-testid="dead-retry-all"]', "Retry all")
        browser.wait("Retry all to ask for confirmation", lambda: browser.one('[data-testid="dead-retry-all"]').get_attribute("data-armed") == "true")
        check(dead_ids() == rest, "Retry all acted on its first click, without confirmation")
        browser.click('[data-testid="dead-retry-all"]', "Retry all (confirmation)")
        browser.toast("ok", f"{len(rest)} dead job(s)")
        poll("the dead set to empty", lambda: not (dead_ids() & rest))
        browser.wait("the empty dead list", lambda: browser.all('[data-testid="dead-panel"] [data-testid="empty"]'))

        step("an endpoint that fails shows an 'unavailable' note, not a broken page")
        browser.js("""
            const real = window.fetch;
            window.fetch = (input, init) => {
              const path = String(input);
              if (path.startsWith('/api/v1/workers') || path.includes('/history')) {
                return Promise.resolve(new Response(JSON.stringify({error: {code: 'route_not_found', message: 'no route matches', details: []}}),
                  {status: 404, headers: {'Content-Type': 'application/json'}}));
              }
              return real(input, init);
            };""")
        browser.go("#/workers", "workers")
        note = browser.wait("the workers' unavailable note", lambda: browser.text('[data-testid="workers-panel"] [data-testid="unavailable"]'))
        check("/api/v1/workers" in note, f"the note reads {note!r}")
        browser.go("#/queues", "queues")
        browser.wait("the throughput's unavailable note", lambda: browser.text('[data-testid="throughput-panel"] [data-testid="unavailable"]'))
        browser.one(row_css, "the publish row (the queue table must still render)")
        browser.screenshot("14-unavailable")

        step("a key the API stops accepting returns to the sign-in screen")
        browser.driver.refresh()   # drops the fetch stand-in
        browser.page_ready("queues")
        browser.js("sessionStorage.setItem('reelay.dashboard.key', 'rly_revoked_meanwhile')")
        browser.driver.refresh()
        message = browser.wait("the sign-in screen after a 401", lambda: browser.visible("#signin-form") and browser.text("#signin-message"))
        check("refused" in message, f"after a 401 the sign-in message reads {message!r}")
        check(not browser.js("return sessionStorage.getItem('reelay.dashboard.key')"), "the refused key stays in sessionStorage")

        step("sign in again, then sign out")
        browser.one("#signin-key").send_keys(KEY)
        browser.click("#signin-submit")
        browser.page_ready("queues")
        browser.click("#signout")
        browser.wait("the sign-in screen", lambda: browser.visible("#signin-form"))
        check(not browser.js("return sessionStorage.getItem('reelay.dashboard.key')"), "sign-out left the key in sessionStorage")

        step("the browser console: no CSP violation, no script error")
        browser.collect_console()
        problems = []
        for entry in browser.console:
            message = entry.get("message", "")
            if "Content Security Policy" in message or "Content-Security-Policy" in message:
                problems.append(message)
            elif entry.get("level") == "SEVERE" and not any(ok in message for ok in SEVERE_OK):
                problems.append(message)
        check(not problems, "the browser console reported:\n  " + "\n  ".join(problems[:10]))
    except Failure:
        try:
            browser.screenshot(f"failure-step-{steps:02d}")
            say(f"screenshot of the failure: {os.path.join(folder, f'failure-step-{steps:02d}.png')}")
        except Exception:
            pass
        raise
    finally:
        browser.quit()
    say(f"all {steps} steps passed; {len(PAGES_SEEN)} screenshots in {folder}")


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if not KEY:
        say("DASHBOARD_KEY is not set")
        return 2
    try:
        if command == "seed":
            seed()
        elif command == "run":
            run()
        else:
            say(f"unknown command {command!r} (seed or run)")
            return 2
    except Failure as failure:
        say(f"FAILED: {failure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
