-- Add the headers listed in data/headers.txt ("Name: value", # for comments).
-- Flags: --allow-read data
-- Without: reading "data/headers.txt" needs --allow-read
for line in io.lines("data/headers.txt") do
   if not line:match("^%s*#") and line:match(":") then
      local name, value = line:match("^%s*([^:]+):%s*(.-)%s*$")
      wrk.headers[name] = value
   end
end
