-- Count responses in each thread, and report the counts at the end: setup()
-- keeps each thread and done() reads its counter with thread:get.

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
   thread:set("responses", 0)
end

function response(status, headers, body)
   responses = responses + 1
end

function done(summary, latency, requests)
   for i, thread in ipairs(threads) do
      print(string.format("thread %d: %d responses", i, thread:get("responses")))
   end
end
