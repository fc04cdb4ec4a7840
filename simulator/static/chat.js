// The conversation: users, the transcript (polled), the composer, the video button and the menu.
"use strict";

const Chat = { lastSeq: 0, polling: false, busy: 0, quiz: null };
// The quiz's question header, as the bot writes it: 第3/10题（单选，10分，本题限时60秒）
const QUESTION = /第(\d+)\/(\d+)题（[^）]*本题限时(\d+)秒）/;
const CHANNEL_LABELS = { custom: "客服消息", template: "模板消息", mass: "群发消息" };
const $ = (id) => document.getElementById(id);

function note(text, kind) {
  $("messages").append(el("li", { class: `note ${kind || ""}` }, el("span", {}, text)));
  scrollDown();
}

function scrollDown() {
  const list = $("messages");
  list.scrollTop = list.scrollHeight;
}

function menuName(key) {
  const buttons = (Sim.menu && Sim.menu.button) || [];
  for (const top of buttons) {
    for (const sub of [top, ...(top.sub_button || [])]) {
      if (sub.key === key || sub.url === key) return sub.name;
    }
  }
  return key;
}

function userEntry(entry) {
  const f = entry.fields || {};
  if (f.MsgType === "event") {
    const events = {
      subscribe: "你关注了公众号", unsubscribe: "你取消了关注",
      CLICK: `你点击了菜单「${menuName(f.EventKey)}」`,
      VIEW: `你打开了菜单「${menuName(f.EventKey)}」`,
    };
    return el("li", { class: "note", "data-seq": entry.seq },
              el("span", {}, events[f.Event] || `事件 ${f.Event}`));
  }
  let body = f.Content;
  if (f.MsgType === "video" || f.MsgType === "shortvideo") {
    const media = entry.media || {};
    const size = media.size ? `${(media.size / 1024).toFixed(0)} KB` : "";
    body = `[视频] ${media.filename || ""} ${size}`;
  } else if (f.MsgType !== "text") {
    body = `[${f.MsgType}]`;
  }
  return el("li", { class: "msg me", "data-seq": entry.seq },
            el("div", { class: "avatar" }, "我"), el("div", { class: "bubble" }, body));
}

function botBody(entry) {
  const payload = entry.payload || {};
  if (entry.msgtype === "template") {
    const lines = Object.entries(payload.data || {}).map(([key, item]) =>
      el("div", { class: "line" }, `${key}：${(item && item.value) || ""}`));
    const link = payload.url
      ? el("a", { href: Sim.openUrl(payload.url), target: "_blank" }, "详情") : null;
    return el("div", { class: "card" }, el("span", { class: "channel" }, "模板消息"),
              el("h4", {}, entry.template_title || payload.template_id || "通知"), lines, link);
  }
  if (entry.msgtype === "news") {
    const articles = (payload.news && payload.news.articles) || payload.Articles || [];
    return el("div", { class: "card" }, articles.map((a) => el("a", {
      href: Sim.openUrl(a.url || a.Url || ""), target: "_blank" },
      el("h4", {}, a.title || a.Title || ""), a.description || a.Description || "")));
  }
  const label = CHANNEL_LABELS[entry.channel];
  const text = entry.content !== null && entry.content !== undefined
    ? entry.content : `[${entry.msgtype}] ${JSON.stringify(payload[entry.msgtype] || {})}`;
  return el("div", { class: "bubble" }, label ? el("span", { class: "channel" }, label) : null,
            linkify(text));
}

// The timer under the chat: the pending question's seconds left, counted from when it came
// (the bot measures on its server; this only shows the person where they stand).
function followQuiz(entry) {
  if (entry.channel === "user") {
    if (Chat.quiz && !Chat.quiz.answered) Chat.quiz.answered = true;
    return;
  }
  const text = entry.content || "";
  const match = QUESTION.exec(text);
  if (match) {
    const sent = entry.time && Math.abs(Date.now() / 1000 - entry.time) < 3600
      ? entry.time * 1000 : Date.now();
    Chat.quiz = { number: match[1], total: match[2], seconds: Number(match[3]), sent,
                  answered: false };
  } else if (Chat.quiz && /答题完成|本次答题已|答题时间到/.test(text)) {
    Chat.quiz = { ended: true };
  }
  showQuizTimer();
}

function showQuizTimer() {
  const timer = $("quiz-timer");
  const quiz = Chat.quiz;
  timer.hidden = !quiz;
  if (!quiz) return;
  timer.className = "quiz-timer";
  if (quiz.ended) {
    timer.classList.add("done");
    timer.textContent = "答题已结束";
    return;
  }
  const left = Math.ceil(quiz.seconds - (Date.now() - quiz.sent) / 1000);
  const where = `答题中：第${quiz.number}/${quiz.total}题`;
  if (quiz.answered) timer.textContent = `${where}，已作答，等待下一题`;
  else if (left > 0) timer.textContent = `${where}，本题剩余 ${left} 秒`;
  else {
    timer.classList.add("late");
    timer.textContent = `${where}，本题已超时（仍可作答，但不计分）`;
  }
}

function renderEntry(entry) {
  followQuiz(entry);
  if (entry.channel === "user") return userEntry(entry);
  return el("li", { class: `msg bot ${entry.channel}`, "data-seq": entry.seq,
                    "data-channel": entry.channel },
            el("div", { class: "avatar" }, "赛"), botBody(entry));
}

async function poll() {
  if (!Sim.openid || Chat.polling) return;
  Chat.polling = true;
  const openid = Sim.openid;
  try {
    const answer = await Sim.api("GET", `/transcript/${openid}?after=${Chat.lastSeq}`);
    if (openid !== Sim.openid) return;
    answer.messages.forEach((entry) => {
      $("messages").append(renderEntry(entry));
      Chat.lastSeq = Math.max(Chat.lastSeq, entry.seq);
    });
    if (answer.messages.length) scrollDown();
  } catch (error) {
    console.warn("transcript", error);
  } finally {
    Chat.polling = false;
  }
}

async function act(label, work) {
  Chat.busy += 1;
  try {
    const outcome = await work();
    if (outcome && outcome.error) note(`${label}：${outcome.user_sees || outcome.error}`, "error");
  } catch (error) {
    note(`${label}失败：${error.message}`, "error");
  } finally {
    Chat.busy -= 1;
    await poll();
    await loadUsers();
    if (typeof refreshPlatform === "function") refreshPlatform();
  }
}

function send(body) {
  return act("发送", () => Sim.api("POST", `/users/${Sim.openid}/send`, body));
}

function sendVideo(file) {
  const form = new FormData();
  form.append("type", "video");
  form.append("media", file, file.name);
  note(`正在上传视频 ${file.name}…`);
  return act("发送视频", () => Sim.api("POST", `/users/${Sim.openid}/send`, form));
}

function openMenuButton(button) {
  if (button.type === "view") {
    window.open(Sim.openUrl(button.url), "_blank");
    return send({ type: "view", url: button.url });
  }
  if (button.type === "click") return send({ type: "click", key: button.key });
  note(`模拟器不支持这种菜单：${button.type}`, "error");
  return null;
}

function closeSubmenus() {
  document.querySelectorAll(".submenu").forEach((node) => node.remove());
}

function renderMenu() {
  const nav = $("menu");
  nav.replaceChildren();
  const buttons = (Sim.menu && Sim.menu.button) || [];
  if (!buttons.length) nav.append(el("span", { class: "menu-empty" }, "菜单尚未发布（机器人启动后会发布）"));
  buttons.forEach((top, index) => {
    nav.append(el("button", { type: "button", class: "menu-top", onclick: (event) => {
      event.stopPropagation();
      closeSubmenus();
      if (!top.sub_button || !top.sub_button.length) return openMenuButton(top);
      const left = `${(100 / buttons.length) * index}%`;
      nav.append(el("div", { class: "submenu", style: `left:${left}` }, top.sub_button.map(
        (sub) => el("button", { type: "button",
                                onclick: () => { closeSubmenus(); openMenuButton(sub); } },
                    sub.name))));
    } }, (top.sub_button && top.sub_button.length ? "≡ " : "") + top.name));
  });
}

async function loadMenu() {
  try {
    const answer = await Sim.api("GET", "/menu");
    const changed = JSON.stringify(answer.menu) !== JSON.stringify(Sim.menu);
    Sim.menu = answer.menu;
    if (changed) renderMenu();
  } catch (error) {
    console.warn("menu", error);
  }
}

async function loadUsers() {
  const answer = await Sim.api("GET", "/users");
  Sim.users = answer.users;
  const select = $("user");
  select.replaceChildren(...Sim.users.map((u) => el("option", { value: u.openid },
    `${u.nickname}${u.subscribed ? "" : "（未关注）"}`)));
  if (!Sim.user() && Sim.users.length) Sim.select(Sim.users[0].openid);
  select.value = Sim.openid;
  showUserState();
}

function showUserState() {
  const user = Sim.user();
  $("who").textContent = user ? `我是 ${user.nickname}` : "";
  $("follow").disabled = !user || user.subscribed;
  $("unfollow").disabled = !user || !user.subscribed;
  $("user-state").textContent = !user ? "先新建一个用户。"
    : `openid ${user.openid} · ${user.subscribed ? "已关注" : "未关注：点「关注」后才能聊天"}`;
}

function setupChat() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value.trim();
    if (!text || !Sim.openid) return;
    $("text").value = "";
    send({ type: "text", content: text });
  });
  $("video").addEventListener("change", () => {
    const file = $("video").files[0];
    if (file && Sim.openid) sendVideo(file);
    $("video").value = "";
  });
  $("user").addEventListener("change", () => Sim.select($("user").value));
  $("follow").addEventListener("click", () => act("关注",
    () => Sim.api("POST", `/users/${Sim.openid}/follow`)));
  $("unfollow").addEventListener("click", () => act("取消关注",
    () => Sim.api("POST", `/users/${Sim.openid}/unfollow`)));
  $("new-user").addEventListener("click", async () => {
    const nickname = $("new-nickname").value.trim() || `用户${Sim.users.length + 1}`;
    const user = await Sim.api("POST", "/users", { nickname });
    $("new-nickname").value = "";
    Sim.select(user.openid);
    await loadUsers();
  });
  document.addEventListener("click", closeSubmenus);
  Sim.onSelect(() => {
    Chat.lastSeq = 0;
    Chat.quiz = null;
    $("messages").replaceChildren();
    showUserState();
    poll();
  });
}

setupChat();
loadUsers().then(poll);
loadMenu();
setInterval(poll, 1000);
setInterval(showQuizTimer, 1000);
setInterval(loadMenu, 3000);
setInterval(() => loadUsers().catch(() => {}), 4000);
