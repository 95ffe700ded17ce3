/**
 * Go's text/template as Go documents it (text/template docs and exec_test.go cases), plus the
 * templates Argo Events users write over `.Input`.
 */
import { describe, expect, it } from 'vitest';
import {
  formatGoFloat,
  GoTemplateError,
  renderGoTemplate,
  sprintf,
} from '../../shared/expr/go-template.js';

const data = {
  Input: {
    body: {
      ref: 'refs/heads/main',
      after: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      commits: [
        { id: 'c1', files: ['a', 'b'] },
        { id: 'c2', files: [] },
      ],
      count: 3,
      big: 1000000,
      id: 186853002,
      ratio: 1.5,
      ok: true,
      none: null,
      empty: '',
      labels: { b: 'two', a: 'one' },
    },
  },
  S: 'hello',
  N: 0,
};

const render = (t: string, d: unknown = data) => renderGoTemplate(t, d);

describe('Argo Events templates', () => {
  it.each([
    ['{{ .Input.body.ref | replace "refs/heads/" "" }}', 'main'],
    ['myregistry/app:{{ .Input.body.after | substr 0 7 }}', 'myregistry/app:6113728'],
    ['{{ .Input.body.commits | len }}', '2'],
    ['{{ len .Input.body.commits }}', '2'],
    ['{{ (index .Input.body.commits 0).id }}', 'c1'],
    ['{{ index .Input.body.labels "a" }}', 'one'],
    ['{{ .Input.missing }}', '<no value>'],
    ['{{ .Input.missing.deeper }}', '<no value>'],
    ['{{ .Input.body.count }}', '3'],
    ['{{ .Input.body.big }}', '1e+06'],
    ['{{ .Input.body.id }}', '1.86853002e+08'],
    ['{{ .Input.body.ratio }}', '1.5'],
    ['{{ .Input.body.none }}', '<nil>'],
    ['{{ .Input.body.labels }}', 'map[a:one b:two]'],
    ['{{ .Input.body.commits }}', '[map[files:[a b] id:c1] map[files:[] id:c2]]'],
    ['{{ .Input.body.ref | upper }}', 'REFS/HEADS/MAIN'],
    ['{{ .Input.body.empty | default "dflt" }}', 'dflt'],
    ['{{ .Input.body.ref | b64enc }}', 'cmVmcy9oZWFkcy9tYWlu'],
    ['{{ toJson .Input.body.labels }}', '{"a":"one","b":"two"}'],
  ])('%s -> %s', (template, expected) => {
    expect(render(template)).toBe(expected);
  });
});

describe('actions and control structures', () => {
  it.each([
    ['text only', 'text only'],
    ['{{/* a comment */}}x', 'x'],
    ['a  {{- 1 -}}  b', 'a1b'],
    ['a {{- /* c */ -}} b', 'ab'],
    ['{{-3}}', '-3'],
    [
      '{{ 7 }} {{ 0x1F }} {{ 1.5 }} {{ \'a\' }} {{ "q\\t" }} {{ `raw\\t` }}',
      '7 31 1.5 97 q\t raw\\t',
    ],
    ['{{ true }} {{ false }}', 'true false'],
    ['{{if .Input.body.ok}}yes{{else}}no{{end}}', 'yes'],
    ['{{if .N}}yes{{else if .S}}s{{else}}no{{end}}', 's'],
    ['{{if .Input.body.empty}}yes{{end}}', ''],
    ['{{with .Input.body.labels}}{{.a}}{{end}}', 'one'],
    ['{{with .Input.body.empty}}x{{else}}empty{{end}}', 'empty'],
    ['{{range .Input.body.commits}}[{{.id}}]{{end}}', '[c1][c2]'],
    ['{{range $i, $c := .Input.body.commits}}{{$i}}={{$c.id}} {{end}}', '0=c1 1=c2 '],
    ['{{range $k, $v := .Input.body.labels}}{{$k}}:{{$v}};{{end}}', 'a:one;b:two;'],
    ['{{range .Input.body.missing}}x{{else}}none{{end}}', 'none'],
    ['{{range .Input.body.commits}}{{if eq .id "c1"}}{{continue}}{{end}}{{.id}}{{end}}', 'c2'],
    ['{{range .Input.body.commits}}{{.id}}{{break}}{{end}}', 'c1'],
    ['{{$x := "a"}}{{$x}}{{$x = "b"}}{{$x}}', 'ab'],
    ['{{with $x := .S}}{{$x}}{{end}}', 'hello'],
    ['{{range .Input.body.commits}}{{$.S}}{{end}}', 'hellohello'],
    ['{{define "t"}}<{{.}}>{{end}}{{template "t" .S}}', '<hello>'],
    ['{{block "b" .S}}[{{.}}]{{end}}', '[hello]'],
  ])('%s', (template, expected) => {
    expect(render(template)).toBe(expected);
  });
});

describe('builtin functions', () => {
  it.each([
    ['{{and 1 0 "x"}}', '0'],
    ['{{or 0 "" "x"}}', 'x'],
    ['{{or 0 ""}}', ''],
    ['{{not 0}}', 'true'],
    ['{{eq .S "a" "hello"}}', 'true'],
    ['{{eq 1 2}}', 'false'],
    ['{{ne .S "x"}}', 'true'],
    ['{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1.5 2}}', 'true true true false'],
    ['{{eq .Input.body.count 3}}', 'true'],
    ['{{len "héllo"}}', '6'],
    ['{{index "abc" 1}}', '98'],
    ['{{slice "abcdef" 1 3}}', 'bc'],
    ['{{print "a" 1 2 "b"}}', 'a1 2b'],
    ['{{println 1 "a"}}', '1 a\n'],
    [
      '{{printf "%s=%d %v %q %.2f %5s|%-4d|%x %t %%" "k" 42 .Input.body.ok "q" 3.14159 "r" 7 255 true}}',
      'k=42 true "q" 3.14     r|7   |ff true %',
    ],
    ['{{html "<a href=\'x\'>"}}', '&lt;a href=&#39;x&#39;&gt;'],
    ['{{urlquery "a b&c"}}', 'a+b%26c'],
    ['{{ .S | printf "%s!" }}', 'hello!'],
    ['{{ "x" | printf "%s-%s" "y" }}', 'y-x'],
    ['{{ add 1 2 }}', '3'],
  ])('%s', (template, expected) => {
    expect(render(template)).toBe(expected);
  });
});

describe('errors name what and where', () => {
  it.each([
    ['{{ nope 1 }}', /template: param:1:3: function "nope" not defined/],
    ['{{ .S ', /unclosed action/],
    ['{{if .S}}x', /unexpected EOF/],
    ['{{end}}', /unexpected \{\{end\}\}/],
    ['{{ .S.x }}', /executing "param" at <\.S\.x>: can't evaluate field x in type string/],
    ['{{ .Input.body.none.x }}', /nil pointer evaluating interface \{\}\.x/],
    ['{{ index .Input.body.commits 5 }}', /error calling index: index out of range: 5/],
    ['{{ lt 1 "a" }}', /incompatible types for comparison/],
    ['{{ $nope }}', /undefined variable: \$nope/],
    ['{{ .S 1 }}', /can't give argument to non-function/],
    ['{{ "a" | "b" }}', /non executable command in pipeline stage 2/],
    ['{{ break }}', /outside \{\{range\}\}/],
  ])('%s', (template, message) => {
    expect(() => render(template)).toThrow(GoTemplateError);
    expect(() => render(template)).toThrow(message);
  });
});

describe('fmt', () => {
  it.each([
    [0, '0'],
    [123, '123'],
    [999999, '999999'],
    [1e6, '1e+06'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5, '-2.5'],
    [1e21, '1e+21'],
  ])('float64 %s prints as %s', (n, s) => {
    expect(formatGoFloat(n)).toBe(s);
  });
  it('reports missing and extra arguments as Go does', () => {
    expect(sprintf('%s %s', ['a'])).toBe('a %!s(MISSING)');
    expect(sprintf('%s', ['a', 'b'])).toBe('a%!(EXTRA string=b)');
  });
});
