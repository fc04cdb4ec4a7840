// The side panels: the rehearsal clock and what the platform saw (calls, deliveries, quota).
"use strict";

const Panels = { view: "calls", clockReceivedAt: 0 };
const GRANT_NAMES = { message: "用户发消息（48小时5条）", event: "点击菜单/关注（1分钟3条）" };
const STATE_TEXT = {
  requested: "已请求：机器人即将以新时间重启…",
  starting: "机器人正在启动（按新的比赛时间），请稍候…",
  running: "已生效：机器人按这个时间运行（时钟随真实时间走）。",
  failed: "重启失败：",
};

// The contest's local time as a Date whose UTC fields are the local fields (no browser zone).
function contestTime(status) {
  const start = new Date(status.contest_now.slice(0, 19) + "Z");
  const elapsed = status.server_time - status.started_at
    + (Date.now() - Panels.clockReceivedAt) / 1000;
  return new Date(start.getTime() + Math.max(0, elapsed) * 1000);
}

function phaseAt(status, when) {
  const text = clockText(when).replace(" ", "T");
  return (status.phases || []).find((p) => p.start <= text && text <= p.end) || null;
}

function showClock() {
  const status = Sim.clock;
  if (!status) return;
  if (!status.available) {
    $("clock-state").textContent = status.message;
    $("clock-set").disabled = true;
    return;
  }
  const ready = status.state === "running";
  $("clock-state").textContent = (STATE_TEXT[status.state] || status.state) + (status.error || "");
  $("banner").hidden = ready;
  $("banner").textContent = ready ? "" : STATE_TEXT[status.state] || "";
  $("send").disabled = !ready;
  if (!status.contest_now || !status.started_at) return;
  const now = contestTime(status);
  $("clock-now").textContent = clockText(now);
  const phase = phaseAt(status, now);
  $("clock-phase").textContent = phase ? phase.name : "不在任何阶段";
}

function phaseButtons(status) {
  const box = $("phase-buttons");
  if (box.childElementCount || !(status.phases || []).length) return;
  $("account-name").textContent = status.contest || "公众号";
  status.phases.forEach((phase) => {
    // The first day of the phase at 09:00 (or its exact start when that is later in the day).
    const start = phase.start.endsWith("T00:00:00")
      ? phase.start.slice(0, 11) + "09:00:00" : phase.start;
    box.append(el("button", { type: "button", "data-phase": phase.id,
                              title: `${phase.start} — ${phase.end}`,
                              onclick: () => setClock(start) },
                  `${phase.name} ${start.slice(5, 10)}`));
  });
}

async function loadClock() {
  try {
    Sim.clock = await Sim.api("GET", "/rehearsal");
    Panels.clockReceivedAt = Date.now();
    if (Sim.clock.available) phaseButtons(Sim.clock);
    if (Sim.clock.contest_now && !$("clock-input").value) {
      $("clock-input").value = Sim.clock.contest_now.slice(0, 19);
    }
    showClock();
  } catch (error) {
    $("clock-state").textContent = `读取时钟失败：${error.message}`;
  }
}

async function setClock(value) {
  try {
    await Sim.api("POST", "/rehearsal/clock", { contest_now: value });
    $("clock-input").value = value.slice(0, 19);
    note(`比赛时钟调到 ${value.replace("T", " ")}，机器人重启中…`);
  } catch (error) {
    $("clock-state").textContent = `设置失败：${error.message}`;
  }
  await loadClock();
}

function table(headers, rows) {
  return el("table", {}, el("tr", {}, headers.map((h) => el("th", {}, h))),
            rows.map((cells) => el("tr", {}, cells.map((c) => el("td", {}, c)))));
}

function errcodeCell(code) {
  return el("span", { class: code === 0 ? "ok" : "bad" }, code === null ? "—" : String(code));
}

async function viewCalls() {
  const calls = (await Sim.api("GET", "/calls")).calls.slice(-60).reverse();
  return table(["时间", "接口", "errcode", "对象"], calls.map((c) => [
    timeOfDay(c.time), `${c.method} ${c.path}`, errcodeCell(c.errcode),
    (c.body && (c.body.touser || c.body.msgtype || "")) || ""]));
}

async function viewDeliveries() {
  const messages = (await Sim.api("GET", `/inbox/${Sim.openid}`)).messages;
  const counts = {};
  messages.forEach((m) => { counts[m.channel] = (counts[m.channel] || 0) + 1; });
  const summary = Object.entries(counts).map(([k, v]) => `${k}: ${v}`).join(" · ") || "还没有消息";
  return el("div", {}, el("p", {}, `送达 ${Sim.user() ? Sim.user().nickname : ""}：${summary}`),
    table(["时间", "渠道", "类型", "内容"], messages.slice().reverse().map((m) => [
      timeOfDay(m.time), m.channel, m.msgtype,
      el("pre", {}, (m.content || JSON.stringify(m.payload)).slice(0, 160))])));
}

async function viewQuota() {
  const quota = await Sim.api("GET", `/quota/${Sim.openid}`);
  const grants = Object.values(quota.customer_service.grants || {});
  return el("div", {},
    el("p", {}, `客服消息剩余可发：${quota.customer_service.remaining} 条；` +
                `本月群发已收到 ${quota.mass.received}/${quota.mass.limit} 条（${quota.mass.month}）`),
    table(["客服授权", "开始", "到期", "已用/上限", "有效"], grants.map((g) => [
      GRANT_NAMES[g.kind] || g.kind, dayAndTime(g.opened_at), dayAndTime(g.expires_at),
      `${g.used}/${g.limit}`,
      el("span", { class: g.live ? "ok" : "bad" }, g.live ? "是" : "否")])));
}

async function viewWebhook() {
  const log = (await Sim.api("GET", "/webhook-log")).deliveries
    .filter((d) => d.openid === Sim.openid).slice(-40).reverse();
  return table(["时间", "消息", "次数", "结果"], log.map((d) => [
    timeOfDay(d.time), (d.sent && (d.sent.Event || d.sent.MsgType)) || d.msg_type, d.attempts,
    el("span", { class: d.error ? "bad" : "ok" }, d.error || `HTTP ${d.status}`)]));
}

const VIEWS = {
  calls: viewCalls, deliveries: viewDeliveries, quota: viewQuota, webhook: viewWebhook,
};

async function refreshPlatform() {
  if (Panels.view !== "calls" && !Sim.openid) return;
  try {
    const content = await VIEWS[Panels.view]();
    $("platform-view").replaceChildren(content);
  } catch (error) {
    $("platform-view").replaceChildren(el("p", { class: "hint" }, error.message));
  }
}

document.querySelectorAll(".tab").forEach((tab) => tab.addEventListener("click", () => {
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t === tab));
  Panels.view = tab.dataset.view;
  refreshPlatform();
}));
$("clock-set").addEventListener("click", () => setClock($("clock-input").value));
Sim.onSelect(refreshPlatform);
loadClock();
refreshPlatform();
setInterval(loadClock, 1500);
setInterval(showClock, 1000);
setInterval(refreshPlatform, 2500);
