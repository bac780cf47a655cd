// The console's only script: search-as-you-type over `users?q=` that rebuilds
// the result list by cloning the page's <template> and setting textContent
// and values, never markup. A constant, so the page's CSP allows it by hash;
// without it the search is a plain GET form and everything still works.
import { createHash } from 'node:crypto';
import { MESSAGES } from '../pages/messages.ts';
import { DURATION_STEPS } from '../pages/act-as.ts';

// JSON inside a <script>: "<" escaped so no value can close the element.
const json = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

export const CONSOLE_SCRIPT = `(function(){"use strict";
var list=document.getElementById("results"),input=document.getElementById("q"),status=document.getElementById("results-status"),tpl=document.getElementById("result-template");
if(!list||!input||!status||!tpl||!window.fetch||!tpl.content)return;
var prefix=list.getAttribute("data-prefix"),min=+list.getAttribute("data-min");
var MESSAGES=${json(MESSAGES)},STEPS=${json(DURATION_STEPS)},DEFAULT=15;
var timer=0,seq=0,ctrl=null,last=input.value.trim();
function msg(c){var t=Object.prototype.hasOwnProperty.call(MESSAGES,c)?MESSAGES[c]:"Refused ("+c+").";return t.replace("{min}",String(min));}
function label(m){if(m<60)return m+" min";var h=Math.floor(m/60),r=m%60;return r?h+" h "+r+" min":h+" h";}
function choices(ms){var max=Math.floor((+ms||0)/6e4),out=[];if(max<1)return out;STEPS.forEach(function(s){if(s<=max)out.push(s);});if(out[out.length-1]!==max)out.push(max);return out;}
function verdict(d,ok){if(ok)return "Allowed: "+(d.mode==="full"?"full access":"read-only")+", up to "+label(Math.floor(d.maxDuration/6e4))+(d.rule?" (rule "+d.rule+")":"")+".";
var rs=d.reasons&&d.reasons.length?d.reasons:["not-allowed"],seen=[];rs.forEach(function(r){var m=msg(String(r));if(seen.indexOf(m)<0)seen.push(m);});return "Not allowed: "+seen.join(" ");}
function rename(form,from,to){var el=form.querySelector("#"+from),lb=form.querySelector("label[for='"+from+"']");if(el)el.id=to;if(lb)lb.htmlFor=to;}
function item(u,i){var li=tpl.content.firstElementChild.cloneNode(true),d=u.decision||{allow:false,reasons:["not-allowed"]};
var c=d.allow?choices(d.maxDuration):[],ok=c.length>0;
li.setAttribute("data-sub",String(u.sub));
li.querySelector(".r-name").textContent=String(u.name||u.user);
li.querySelector(".r-user").textContent=String(u.user);
li.querySelector(".r-email").textContent=u.email?String(u.email):"";
var v=li.querySelector(".r-verdict");v.textContent=verdict(d,ok);v.className="r-verdict "+(ok?"ok":"error");
var form=li.querySelector("form");if(!ok){form.remove();return li;}
form.querySelector("input[name=target]").value=String(u.sub);
rename(form,"reason-T","reason-s"+i);rename(form,"duration-T","duration-s"+i);
var sel=form.querySelector("select[name=duration]"),pick=c.indexOf(DEFAULT)>=0?DEFAULT:c[c.length-1];
c.forEach(function(m){var o=document.createElement("option");o.value=String(m);o.textContent=label(m);o.selected=m===pick;sel.appendChild(o);});
form.querySelector(".r-target").textContent=String(u.user);return li;}
function show(users,q){var items=users.map(item);list.replaceChildren.apply(list,items);
status.textContent=items.length===0?"No user matches \\u201c"+q+"\\u201d.":items.length===1?"1 user found.":items.length+" users found.";}
function keep(q){try{var url=new URL(location.href);["error","target","revoked","released"].forEach(function(k){url.searchParams.delete(k);});if(q)url.searchParams.set("q",q);else url.searchParams.delete("q");history.replaceState(null,"",url.href);}catch(e){}}
function search(){var q=input.value.trim();if(q===last)return;last=q;keep(q);if(ctrl)ctrl.abort();var mine=++seq;
if(!q){list.replaceChildren();status.textContent="Type a username, email or name to search.";return;}
ctrl=new AbortController();status.textContent="Searching\\u2026";
fetch(prefix+"users?q="+encodeURIComponent(q),{credentials:"same-origin",headers:{accept:"application/json"},signal:ctrl.signal})
.then(function(r){if(!r.ok)throw new Error(r.status===401?"Your session has ended. Reload the page to sign in again.":"Search failed (HTTP "+r.status+").");return r.json();})
.then(function(b){if(mine===seq)show(Array.isArray(b.users)?b.users:[],q);})
.catch(function(e){if(mine===seq&&e.name!=="AbortError")status.textContent=e.message;});}
input.addEventListener("input",function(){clearTimeout(timer);timer=setTimeout(search,250);});
})();`;

/** The CSP hash source of CONSOLE_SCRIPT. */
export const CONSOLE_SCRIPT_HASH = `'sha256-${createHash('sha256').update(CONSOLE_SCRIPT, 'utf8').digest('base64')}'`;
