// The order email as a React Email user would write it: components, inline styles,
// rendered to HTML and to plain text for each email. benchmarks/send.py runs it with
// the facts delightmail worked out for one order (the story's text, the lines, the
// totals) and reads the milliseconds per email it prints.
//
//   NODE_ENV=production node bench.mjs facts.json SECONDS
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createElement as h } from "react";
import {
  Body, Column, Container, Head, Heading, Hr, Html, Img, Link, Preview, Row, Section, Text,
  render,
} from "@react-email/components";

const ink = "#2b2b2b";
const styles = {
  body: { backgroundColor: "#f6f1e7", fontFamily: "Georgia, serif", color: ink, margin: 0 },
  container: { maxWidth: "600px", margin: "0 auto", backgroundColor: "#fffdf8", padding: "32px" },
  heading: { fontSize: "26px", lineHeight: "32px", margin: "0 0 16px" },
  story: { fontSize: "17px", lineHeight: "26px", margin: "0 0 14px" },
  thumb: { width: "56px", paddingRight: "12px", verticalAlign: "top" },
  name: { fontSize: "15px", margin: 0 },
  variant: { fontSize: "13px", color: "#6b6b6b", margin: 0 },
  price: { fontSize: "15px", textAlign: "right", whiteSpace: "nowrap", margin: 0 },
  total: { fontSize: "15px", margin: "4px 0" },
  rule: { borderColor: "#e6e1d8", margin: "20px 0" },
  small: { fontSize: "13px", color: "#6b6b6b", lineHeight: "20px" },
};

function Line({ line }) {
  return h(Row, { style: { borderBottom: "1px solid #e6e1d8", padding: "12px 0" } },
    h(Column, { style: styles.thumb },
      line.image ? h(Img, { src: line.image, width: 56, height: 56, alt: "" }) : null),
    h(Column, null,
      h(Text, { style: styles.name }, `${line.quantity} × ${line.name}`),
      line.variant ? h(Text, { style: styles.variant }, line.variant) : null),
    h(Column, { style: { width: "96px" } }, h(Text, { style: styles.price }, line.price)));
}

function OrderEmail({ facts }) {
  return h(Html, { lang: facts.lang },
    h(Head, null),
    h(Preview, null, facts.preheader),
    h(Body, { style: styles.body },
      h(Container, { style: styles.container },
        h(Heading, { style: styles.heading }, facts.heading),
        ...facts.paragraphs.map((text, i) => h(Text, { key: i, style: styles.story }, text)),
        h(Hr, { style: styles.rule }),
        h(Section, null, ...facts.lines.map((line, i) => h(Line, { key: i, line }))),
        h(Section, null, ...facts.totals.map(([label, value], i) =>
          h(Row, { key: i },
            h(Column, null, h(Text, { style: styles.total }, label)),
            h(Column, null, h(Text, { style: styles.price }, value))))),
        h(Hr, { style: styles.rule }),
        h(Text, { style: styles.small }, facts.address.join(", ")),
        h(Link, { href: facts.status_url }, facts.status_label),
        h(Text, { style: styles.small }, facts.footer))));
}

const [file, seconds] = process.argv.slice(2);
const facts = JSON.parse(readFileSync(file, "utf8"));
const once = async () => {
  const email = h(OrderEmail, { facts });
  const html = await render(email);
  const text = await render(email, { plainText: true });
  return html.length + text.length;
};
// Warm up, then render for the time given.
for (let i = 0; i < 50; i++) await once();
let count = 0;
const budget = Number(seconds) * 1000;
const started = performance.now();
while (performance.now() - started < budget) {
  await once();
  count++;
}
const ms = (performance.now() - started) / count;
console.log(JSON.stringify({ ms, count, bytes: await once() }));
