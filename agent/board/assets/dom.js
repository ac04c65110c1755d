// A tiny element builder. Everything from the gateway goes in as text (textContent), never as
// HTML, so a name or message can never become markup or script.
import { document } from './globals.js';

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Object && 'nodeType' in child ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

export function replaceChildren(node, children) {
  node.replaceChildren(...children);
}
