/**
 * Just enough XML for EC2 answers: elements, text, and the `<xSet><item>`
 * lists EC2 uses. Everything is escaped; nothing is parsed.
 */
export type Xml = string;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `<tag>value</tag>`; null/undefined values produce nothing (EC2 omits absent fields). */
export function leaf(tag: string, value: string | number | boolean | null | undefined): Xml {
  if (value === null || value === undefined) return '';
  return `<${tag}>${escapeXml(String(value))}</${tag}>`;
}

export function node(tag: string, ...children: readonly Xml[]): Xml {
  return `<${tag}>${children.join('')}</${tag}>`;
}

export function itemSet(tag: string, items: readonly Xml[]): Xml {
  return node(tag, ...items.map((i) => node('item', i)));
}

export function ec2Document(action: string, requestId: string, ...body: readonly Xml[]): Xml {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">${leaf('requestId', requestId)}${body.join('')}</${action}Response>`;
}

export function ec2ErrorDocument(code: string, message: string, requestId: string): Xml {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${leaf('Code', code)}${leaf('Message', message)}</Error></Errors>${leaf('RequestID', requestId)}</Response>`;
}
