-- Pick a random path from data/urls.txt for every request (read whole with "*all").
-- Flags: --allow-read data
-- Without: reading "data/urls.txt" needs --allow-read
local f = assert(io.open("data/urls.txt", "r"))
local content = f:read("*all")
f:close()

local urls = {}
for url in content:gmatch("[^\r\n]+") do
   table.insert(urls, url)
end

math.randomseed(os.time())

function request()
   return wrk.format("GET", urls[math.random(#urls)])
end
