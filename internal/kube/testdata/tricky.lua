--- Lines that would mean something to YAML at the start of a line:
---
...
key: value
  indented: two spaces
	tab: indented with a tab
# a comment?
- a list item?
? complex key
| > & * ! % @ ` " '
{flow: map}, [flow, seq]

%YAML 1.2
wrk.path = "/search?q=a: b&x=#"
