-- Count responses by status class in each thread, and print the totals at the end.
-- Flags: (none)
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   classes = { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0 }
end

local paths = { "/", "/status/201", "/status/404", "/status/503" }
local n = 0
function request()
   n = n + 1
   return wrk.format(nil, paths[n % #paths + 1])
end

function response(status, headers, body)
   local class = math.floor(status / 100) .. "xx"
   classes[class] = (classes[class] or 0) + 1
end

function done(summary, latency, requests)
   local total = {}
   for _, t in ipairs(threads) do
      for class, count in pairs(t:get("classes")) do
         total[class] = (total[class] or 0) + count
      end
   end
   for _, class in ipairs({ "2xx", "3xx", "4xx", "5xx" }) do
      io.write(class, ": ", total[class] or 0, "\n")
   end
end
