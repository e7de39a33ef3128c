// Page elements built from server data without innerHTML, so names and labels (typed by staff and operators)
// stay text: buildElement('option', {value: '3'}, '张三 370102********1234').
window.buildElement = window.buildElement || function (tag, attrs, text) {
  'use strict';
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
};
