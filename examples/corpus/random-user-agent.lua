-- Rotate through browser User-Agent strings at random.
-- Flags: (none)
local agents = {
   "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
   "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
   "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
   "curl/8.5.0",
}

request = function()
   wrk.headers["User-Agent"] = agents[math.random(#agents)]
   return wrk.format()
end
