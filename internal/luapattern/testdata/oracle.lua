-- Oracle for luapattern's tests: run by `go test -update` with lua5.1.
-- Reads one case per line: an operation and its arguments, strings as
-- "x" followed by hex, "-" for an absent argument. Writes one line per case:
-- "nil", "n<integer>", "s<hex>" values, "|" between gmatch iterations,
-- or "e<hex>" for an error.

local function unhex(t)
  if t == "-" then return nil end
  return (t:sub(2):gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function enc(v)
  if v == nil then return "nil" end
  if type(v) == "number" then return "n" .. string.format("%d", v) end
  return "s" .. hex(v)
end

-- The same table and function as repl_test.go.
local T = { a = "A", hello = "HI", x = false, tab = {}, num = 42, [1] = "one", [3] = 3, e = "" }
local function F(...)
  local a = ...
  if a == "x" then return nil end
  if a == "y" then return false end
  if a == "tab" then return {} end
  if a == "num" then return 42 end
  if a == "t" then return true end
  local parts = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    parts[i] = type(v):sub(1, 1) .. tostring(v)
  end
  return "<" .. table.concat(parts, ",") .. ">"
end

local SEP = {}  -- between gmatch iterations

local function pack(...) return { n = select("#", ...), ... } end

local function run(op, a)
  if op == "find" then
    return pack(string.find(unhex(a[1]), unhex(a[2]), tonumber(a[3]), a[4] == "1"))
  elseif op == "match" then
    return pack(string.match(unhex(a[1]), unhex(a[2]), tonumber(a[3])))
  elseif op == "gmatch" then
    local out, k = { n = 0 }, 0
    local it = string.gmatch(unhex(a[1]), unhex(a[2]))
    while k < 64 do
      local r = pack(it())
      if r.n == 0 then break end
      k = k + 1
      if k > 1 then out.n = out.n + 1; out[out.n] = SEP end
      for i = 1, r.n do out.n = out.n + 1; out[out.n] = r[i] end
    end
    return out
  else
    local repl
    if op == "gsub" then repl = unhex(a[3]) elseif op == "gsubt" then repl = T else repl = F end
    local n = (op == "gsub") and a[4] or a[3]
    return pack(string.gsub(unhex(a[1]), unhex(a[2]), repl, tonumber(n)))
  end
end

for line in io.lines() do
  local a = {}
  for w in line:gmatch("%S+") do a[#a + 1] = w end
  local op = table.remove(a, 1)
  local ok, r = pcall(run, op, a)
  local words = {}
  if not ok then
    -- drop the "oracle.lua:12: " position prefix
    words[1] = "e" .. hex((tostring(r):gsub("^[^\n]-:%d+: ", "", 1)))
  else
    for i = 1, r.n do
      words[i] = (r[i] == SEP) and "|" or enc(r[i])
    end
  end
  io.write(table.concat(words, " "), "\n")
end
