"""Text the reader cannot read whole: a label, button, caption or cell cut off by its own box or by
a box around it that hides what overflows ("Unresolved …", "Markd…", "0.498 to 1.…").

``clipped_texts(page)`` returns each visible element whose own text overflows a box that clips it
(overflow hidden, clip, scroll or an ellipsis), with the text and the box it is cut by. Tables drawn
on a canvas (st.dataframe) are not in the DOM and are checked by their column settings instead."""
from __future__ import annotations

# An element counts when one of its own text nodes holds text. It is clipped when it is wider
# (or taller) than its own clipping box, or reaches out of the nearest ancestor that clips.
_FIND = """
() => {
  const clips = (style) => ["hidden", "clip", "scroll", "auto"].includes(style.overflowX)
    || ["hidden", "clip"].includes(style.overflowY) || style.textOverflow === "ellipsis";
  const found = [];
  const roots = document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebar"]');
  for (const root of roots) {
    for (const el of root.querySelectorAll("*")) {
      const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
      if (!own || el.closest('[data-testid="stDataFrame"], .js-plotly-plot, [role="tooltip"], [aria-hidden="true"]')) continue;
      const box = el.getBoundingClientRect();
      if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") continue;
      const style = getComputedStyle(el);
      if (clips(style) && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 2)
          && style.overflowX !== "auto" && style.overflowX !== "scroll") {
        found.push({ text: own.slice(0, 80), by: "itself", tag: el.tagName.toLowerCase() });
        continue;
      }
      // the text's own extent, not the element's box (a block is as wide as its parent)
      const range = document.createRange();
      range.selectNodeContents(el);
      const text = range.getBoundingClientRect();
      for (let up = el.parentElement; up && up !== root.parentElement; up = up.parentElement) {
        const upStyle = getComputedStyle(up);
        if (!clips(upStyle) || upStyle.overflowX === "auto" || upStyle.overflowX === "scroll") continue;
        const limit = up.getBoundingClientRect();
        if (text.right > limit.right + 1 || text.left < limit.left - 1) {
          found.push({ text: own.slice(0, 80), by: (up.dataset.testid || up.className || up.tagName).toString().slice(0, 60),
                       tag: el.tagName.toLowerCase() });
        }
        break;
      }
    }
  }
  return found;
}
"""


def clipped_texts(page) -> list[dict]:
    """Every visible text on the page that is cut off: ``[{text, by, tag}]`` (empty when all reads whole)."""
    return page.evaluate(_FIND)


def clipped_on_every_tab(page, reveal) -> dict[str, list[dict]]:
    """``clipped_texts`` of the page, then of each of its tabs in turn, every visible expander
    opened first (``reveal(page, control)`` opens one and waits for what it shows): {"page" or tab: [...]}."""
    found = {"page": _opened_and_checked(page, reveal)}
    tabs = page.locator('[data-testid="stMain"] [role="tab"]')
    for n in range(tabs.count()):
        tab = tabs.nth(n)
        if tab.is_visible():
            name = tab.inner_text().strip()
            reveal(page, tab)
            found[name] = _opened_and_checked(page, reveal)
    return {where: texts for where, texts in found.items() if texts}


def _opened_and_checked(page, reveal) -> list[dict]:
    closed = page.locator('[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary')
    opened = [summary for summary in closed.element_handles() if summary.is_visible()]  # fixed, as the set shrinks
    for summary in opened:
        reveal(page, summary)
    return clipped_texts(page)
