/**
 * A search snippet: the API sends HTML-escaped text with `<mark>` around the matched words. It is never put into
 * the page as HTML: the text between the marks is decoded as inert text and the marks are rebuilt as elements,
 * so even an unescaped `<script>` would show as text.
 */
const parser = typeof DOMParser !== 'undefined' ? new DOMParser() : null

function decode (html: string): string {
  if (!html.includes('&') && !html.includes('<')) return html
  // A parsed, never-attached document runs no script and loads nothing; only its text is kept.
  return parser?.parseFromString(`<!doctype html><body>${html}`, 'text/html').body.textContent ?? html
}

export function Snippet ({ html }: { html: string }) {
  const parts = html.split(/(<mark>[\s\S]*?<\/mark>)/g)
  return (
    <p class='snippet'>
      {parts.map((part, i) => {
        const m = /^<mark>([\s\S]*)<\/mark>$/.exec(part)
        return m ? <mark key={i}>{decode(m[1])}</mark> : decode(part)
      })}
    </p>
  )
}
