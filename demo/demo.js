// The demo shop's script. Loaded before offerwise: it pushes the page's GA4 events to
// window.dataLayer (as a shop's tagging would), then wires the buttons once the page is parsed.
// Everything shown is set with textContent, never innerHTML.
(function () {
  'use strict';

  var PRODUCTS = [
    { item_id: 'SKU-101', item_name: 'Trail Running Shoe', item_category: 'Shoes', price: 119 },
    { item_id: 'SKU-205', item_name: 'Merino Socks', item_category: 'Socks', price: 14.5 },
    { item_id: 'SKU-310', item_name: 'Rain Jacket', item_category: 'Jackets', price: 189 },
    { item_id: 'SKU-412', item_name: 'Canvas Tote', item_category: 'Bags', price: 29 },
  ];

  function pick() {
    return PRODUCTS[Math.floor(Math.random() * PRODUCTS.length)];
  }

  function copy(item, quantity) {
    var out = {};
    for (var key in item) out[key] = item[key];
    if (quantity) out.quantity = quantity;
    return out;
  }

  var dataLayer = (window.dataLayer = window.dataLayer || []);
  dataLayer.push({ ecommerce: null });
  dataLayer.push({
    event: 'view_item',
    ecommerce: { currency: 'EUR', value: 119, items: [copy(PRODUCTS[0])] },
  });
  dataLayer.push({ ecommerce: null });
  dataLayer.push({
    event: 'add_to_cart',
    ecommerce: { currency: 'EUR', value: 29, items: [copy(PRODUCTS[3], 1)] },
  });
  dataLayer.push({ ecommerce: null });
  dataLayer.push({
    event: 'purchase',
    ecommerce: {
      transaction_id: 'DEMO-1001',
      currency: 'EUR',
      value: 148,
      items: [copy(PRODUCTS[0], 1), copy(PRODUCTS[3], 1)],
    },
  });

  function eventFor(action) {
    var item = pick();
    if (action === 'view_item')
      return {
        event: 'view_item',
        ecommerce: { currency: 'EUR', value: item.price, items: [copy(item)] },
      };
    if (action === 'add_to_cart')
      return {
        event: 'add_to_cart',
        ecommerce: { currency: 'EUR', value: item.price, items: [copy(item, 1)] },
      };
    var quantity = 1 + Math.floor(Math.random() * 3);
    return {
      event: 'purchase',
      ecommerce: {
        transaction_id: 'DEMO-' + Date.now().toString(36) + '-' + Math.floor(Math.random() * 1e6),
        currency: 'EUR',
        value: Math.round(item.price * quantity * 100) / 100,
        items: [copy(item, quantity)],
      },
    };
  }

  function start() {
    var status = document.getElementById('status');
    var output = document.getElementById('profile');
    var ow = window.offerwise;
    if (!ow || typeof ow.track !== 'function') {
      status.textContent = 'offerwise did not start: see the console.';
      output.textContent = '';
      return;
    }

    function say(text) {
      status.textContent = text;
    }

    function render() {
      return ow.profile().then(
        function (profile) {
          output.textContent = JSON.stringify(profile, null, 2);
        },
        function (error) {
          say('profile() failed: ' + String(error));
        },
      );
    }

    document.querySelector('.actions').addEventListener('click', function (event) {
      var button = event.target.closest('button[data-action]');
      if (!button) return;
      var action = button.getAttribute('data-action');
      var done;
      if (action === 'forget') {
        done = ow.forget().then(function () {
          say('forget(): the profile database was deleted.');
        });
      } else if (action === 'refresh') {
        done = Promise.resolve();
      } else {
        var tracked = eventFor(action);
        done = ow.track(tracked).then(function () {
          var items = tracked.ecommerce.items;
          say('Tracked ' + tracked.event + ' (' + items[0].item_name + ').');
        });
      }
      done
        .catch(function (error) {
          say(action + ' failed: ' + String(error));
        })
        .then(render);
    });

    ow.ready.then(render);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
