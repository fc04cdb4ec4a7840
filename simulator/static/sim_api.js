// Shared helpers of the chat page: calls to the platform's /sim/ endpoints and DOM building.
"use strict";

const Sim = {
  openid: localStorage.getItem("sim.openid") || "",
  users: [],
  menu: null,
  clock: null,  // the dev stack's rehearsal status (panels.js)
  listeners: [],

  async api(method, path, body) {
    const options = { method, headers: {} };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch("/sim" + path, options);
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(answer.error || `HTTP ${response.status}`);
    }
    return answer;
  },

  user() {
    return Sim.users.find((u) => u.openid === Sim.openid) || null;
  },

  // A link in a message or a view button, opened "inside WeChat" as the current user.
  openUrl(url) {
    return "/sim/open?" + new URLSearchParams({ openid: Sim.openid, url }).toString();
  },

  select(openid) {
    Sim.openid = openid;
    localStorage.setItem("sim.openid", openid);
    Sim.listeners.forEach((listener) => listener(openid));
  },

  onSelect(listener) {
    Sim.listeners.push(listener);
  },
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([key, value]) => {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  });
  children.flat().forEach((child) => {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  });
  return node;
}

function clockText(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

function timeOfDay(epochSeconds) {
  return new Date(epochSeconds * 1000).toLocaleTimeString("zh-CN", { hour12: false });
}

function dayAndTime(epochSeconds) {
  const when = new Date(epochSeconds * 1000);
  return `${when.getMonth() + 1}月${when.getDate()}日 ${timeOfDay(epochSeconds)}`;
}

// Text with links: bare http(s) addresses and WeChat's <a href="...">label</a>.
const LINK = /<a\s+href=["']([^"']+)["'][^>]*>([\s\S]*?)<\/a>|(https?:\/\/[^\s<>"'，。；！？）】]+)/g;

function linkify(text) {
  const nodes = [];
  let last = 0;
  for (const match of String(text || "").matchAll(LINK)) {
    nodes.push(text.slice(last, match.index));
    const url = match[1] || match[3];
    nodes.push(el("a", { href: Sim.openUrl(url), target: "_blank", rel: "noopener",
                         title: url, "data-url": url }, match[2] || url));
    last = match.index + match[0].length;
  }
  nodes.push(String(text || "").slice(last));
  return nodes;
}
